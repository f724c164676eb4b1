"""K-means in numpy: assign points to the nearest centre through a distance
matrix, recompute the centres with bincount, stop when stable."""
import argparse

import numpy as np


def kmeans(x, k, iters, rng):
    centres = x[rng.choice(len(x), size=k, replace=False)]
    labels = np.zeros(len(x), dtype=np.int64)
    for it in range(iters):
        d = (x * x).sum(axis=1)[:, None] - 2.0 * x @ centres.T + (centres * centres).sum(axis=1)[None, :]
        new = d.argmin(axis=1)
        moved = int((new != labels).sum())
        labels = new
        counts = np.bincount(labels, minlength=k).astype(np.float64)
        for j in range(x.shape[1]):
            centres[:, j] = np.bincount(labels, weights=x[:, j], minlength=k) / np.maximum(counts, 1)
        if moved == 0:
            break
    return centres, labels, it + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200000)
    ap.add_argument("--d", type=int, default=16)
    ap.add_argument("--k", type=int, default=32)
    ap.add_argument("--iters", type=int, default=20)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((a.n, a.d))
    centres, labels, n_it = kmeans(x, a.k, a.iters, rng)
    inertia = float(((x - centres[labels]) ** 2).sum())
    print("iterations", n_it, "inertia", round(inertia, 1))


if __name__ == "__main__":
    main()
