"""k-means++ seeding and Lloyd iterations until the centres stop moving (numpy)."""
import argparse
import numpy as np


def kmeans_pp(x, k, rng):
    centres = [x[rng.integers(len(x))]]
    d2 = ((x - centres[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        probs = d2 / d2.sum()
        centres.append(x[rng.choice(len(x), p=probs)])
        d2 = np.minimum(d2, ((x - centres[-1]) ** 2).sum(axis=1))
    return np.array(centres)


def lloyd(x, centres, tol, max_iter):
    it = 0
    while it < max_iter:
        dists = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        labels = dists.argmin(axis=1)
        new = np.array([x[labels == j].mean(axis=0) if np.any(labels == j) else centres[j]
                        for j in range(len(centres))])
        shift = np.abs(new - centres).max()
        centres = new
        it += 1
        if shift < tol:
            break
    return centres, labels, it


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=200000)
    ap.add_argument("--dims", type=int, default=8)
    ap.add_argument("--k", type=int, default=16)
    args = ap.parse_args()
    rng = np.random.default_rng(5)
    true_centres = rng.normal(0, 10, size=(args.k, args.dims))
    x = true_centres[rng.integers(args.k, size=args.points)] + rng.normal(size=(args.points, args.dims))
    centres = kmeans_pp(x, args.k, rng)
    centres, labels, it = lloyd(x, centres, 1e-4, 100)
    inertia = ((x - centres[labels]) ** 2).sum()
    print(f"iterations={it} inertia={inertia:.1f}")


if __name__ == "__main__":
    main()
