"""k-means clustering with numpy, iterated to a fixed number of rounds."""
import argparse
import numpy as np


def assign(X, C):
    d = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
    return d.argmin(axis=1)


def update(X, labels, k):
    return np.stack([X[labels == j].mean(axis=0) for j in range(k)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--dim", type=int, default=8)
    ap.add_argument("--k", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=10)
    a = ap.parse_args()
    rng = np.random.default_rng(1)
    X = rng.normal(size=(a.n, a.dim))
    C = X[rng.choice(a.n, a.k, replace=False)]
    for r in range(a.rounds):
        labels = assign(X, C)
        C = update(X, labels, a.k)
    print(np.bincount(labels, minlength=a.k)[:4])


if __name__ == "__main__":
    main()
