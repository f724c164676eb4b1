"""Boosted decision stumps on synthetic tabular data, in numpy: each round
sorts every feature, scans thresholds with cumulative sums, and reweights."""
import sys

import numpy as np


def best_stump(x, y, w):
    best = (np.inf, 0, 0.0, 1)
    for f in range(x.shape[1]):
        order = np.argsort(x[:, f])
        xs = x[order, f]
        ys = y[order]
        ws = w[order]
        pos = np.cumsum(ws * (ys > 0))
        neg = np.cumsum(ws * (ys < 0))
        err_left_pos = neg + (pos[-1] - pos)
        err = np.minimum(err_left_pos, 1.0 - err_left_pos)
        i = int(np.argmin(err))
        if err[i] < best[0]:
            sign = 1 if err_left_pos[i] <= 1.0 - err_left_pos[i] else -1
            best = (float(err[i]), f, float(xs[i]), sign)
    return best


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 12))
    y = np.where(x[:, 0] + 0.5 * x[:, 3] - x[:, 7] ** 2 > 0, 1.0, -1.0)
    w = np.full(n, 1.0 / n)
    score = np.zeros(n)
    for _ in range(rounds):
        err, f, thr, sign = best_stump(x, y, w)
        err = min(max(err, 1e-9), 1 - 1e-9)
        alpha = 0.5 * np.log((1 - err) / err)
        pred = np.where(x[:, f] <= thr, sign, -sign)
        score += alpha * pred
        w *= np.exp(-alpha * y * pred)
        w /= w.sum()
    print("train accuracy", float(np.mean(np.sign(score) == y)))


if __name__ == "__main__":
    main()
