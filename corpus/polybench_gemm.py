"""GEMM in the PolyBench style: numpy arrays, explicit loops, a kernel function."""
import numpy as np


def init_array(ni, nj, nk):
    alpha = 1.5
    beta = 1.2
    C = np.fromfunction(lambda i, j: ((i * j + 1) % ni) / ni, (ni, nj))
    A = np.fromfunction(lambda i, k: (i * (k + 1) % nk) / nk, (ni, nk))
    B = np.fromfunction(lambda k, j: (k * (j + 2) % nj) / nj, (nk, nj))
    return alpha, beta, C, A, B


def kernel_gemm(ni, nj, nk, alpha, beta, C, A, B):
    for i in range(ni):
        for j in range(nj):
            C[i, j] *= beta
        for k in range(nk):
            for j in range(nj):
                C[i, j] += alpha * A[i, k] * B[k, j]


NI, NJ, NK = 40, 45, 50
alpha, beta, C, A, B = init_array(NI, NJ, NK)
kernel_gemm(NI, NJ, NK, alpha, beta, C, A, B)
print(C.sum())
