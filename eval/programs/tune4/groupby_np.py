"""Group-by aggregation in numpy: unique keys, bincount sums, argsort-based
group medians and a cumulative sum per group."""
import argparse

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--groups", type=int, default=1000)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    keys = rng.integers(0, a.groups, size=a.rows)
    vals = rng.exponential(2.0, size=a.rows)
    uniq, inv = np.unique(keys, return_inverse=True)
    sums = np.bincount(inv, weights=vals)
    counts = np.bincount(inv)
    order = np.argsort(inv, kind="stable")
    sorted_vals = vals[order]
    bounds = np.cumsum(counts)[:-1]
    medians = [np.median(g) for g in np.split(sorted_vals, bounds)]
    print(len(uniq), float(sums.sum() / counts.sum()), float(np.mean(medians)))


if __name__ == "__main__":
    main()
