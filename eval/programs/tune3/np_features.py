"""Feature engineering on a numpy table: standardise, polynomial features,
pairwise distances to centroids, in a function per step."""
import sys

import numpy as np


def standardise(x):
    return (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-9)


def poly(x):
    n, d = x.shape
    cols = [x, x ** 2]
    for i in range(d):
        for j in range(i + 1, d):
            cols.append((x[:, i] * x[:, j])[:, None])
    return np.hstack(cols)


def nearest(x, centroids):
    d2 = (x ** 2).sum(axis=1)[:, None] - 2 * x @ centroids.T + (centroids ** 2).sum(axis=1)[None, :]
    return np.argmin(d2, axis=1)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 8))
    z = standardise(x)
    p = poly(z)
    c = p[rng.choice(n, 16, replace=False)]
    lab = nearest(p, c)
    print(p.shape, np.bincount(lab, minlength=16)[:4])


if __name__ == "__main__":
    main()
