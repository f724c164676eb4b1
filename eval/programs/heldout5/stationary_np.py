"""Stationary distribution of a random Markov chain three ways: power
iteration, a linear solve, and an eigendecomposition, with numpy."""
import sys

import numpy as np


def random_chain(n, rng):
    p = rng.random((n, n)) ** 4
    p /= p.sum(axis=1, keepdims=True)
    return p


def power(p, iters):
    pi = np.full(p.shape[0], 1.0 / p.shape[0])
    for _ in range(iters):
        pi = pi @ p
    return pi


def solve(p):
    n = p.shape[0]
    a = p.T - np.eye(n)
    a[-1, :] = 1.0
    b = np.zeros(n)
    b[-1] = 1.0
    return np.linalg.solve(a, b)


def eig(p):
    w, v = np.linalg.eig(p.T)
    k = np.argmin(np.abs(w - 1.0))
    pi = np.real(v[:, k])
    return pi / pi.sum()


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    rng = np.random.default_rng(5)
    p = random_chain(n, rng)
    a = power(p, 300)
    b = solve(p)
    c = eig(p)
    print(float(np.abs(a - b).max()), float(np.abs(b - c).max()))


if __name__ == "__main__":
    main()
