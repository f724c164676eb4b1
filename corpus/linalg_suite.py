import numpy as np
import scipy.linalg

n = 400
rng = np.random.default_rng(42)
M = rng.random((n, n))
S = M @ M.T + n * np.eye(n)
b = rng.random(n)
x = np.linalg.solve(S, b)
Si = np.linalg.inv(S)
L = np.linalg.cholesky(S)
Q, R = np.linalg.qr(M)
U, s, Vt = np.linalg.svd(M, full_matrices=False)
w, v = np.linalg.eigh(S)
coef, res, rank, sv = np.linalg.lstsq(M, b, rcond=None)
lu, piv = scipy.linalg.lu_factor(S)
print(np.linalg.norm(x), s[0], w[-1], rank)
