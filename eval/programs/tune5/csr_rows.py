"""A sparse matrix in CSR arrays (numpy), multiplied by a vector row by row
in a Python loop, as a power iteration for the dominant eigenvalue."""
import argparse

import numpy as np


def random_csr(n, per_row, rng):
    indptr = np.arange(0, n * per_row + 1, per_row)
    indices = rng.integers(0, n, size=n * per_row)
    data = rng.random(n * per_row)
    return indptr, indices, data


def matvec(indptr, indices, data, x):
    y = np.empty(len(indptr) - 1)
    for i in range(len(y)):
        lo, hi = indptr[i], indptr[i + 1]
        y[i] = data[lo:hi] @ x[indices[lo:hi]]
    return y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--per-row", type=int, default=20)
    ap.add_argument("--iters", type=int, default=10)
    a = ap.parse_args()
    rng = np.random.default_rng(2)
    indptr, indices, data = random_csr(a.n, a.per_row, rng)
    x = np.ones(a.n) / np.sqrt(a.n)
    lam = 0.0
    for _ in range(a.iters):
        y = matvec(indptr, indices, data, x)
        lam = float(np.linalg.norm(y))
        x = y / lam
    print("lambda", round(lam, 4))


if __name__ == "__main__":
    main()
