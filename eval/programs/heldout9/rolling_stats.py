"""Rolling statistics of many sensor series in numpy: moving averages from
cumulative sums, rolling standard deviation over sliding windows, and
z-score anomalies, sensor by sensor."""
import argparse

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def moving_average(x, w):
    c = np.cumsum(np.insert(x, 0, 0.0))
    return (c[w:] - c[:-w]) / w


def rolling_std(x, w):
    return sliding_window_view(x, w).std(axis=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sensors", type=int, default=40)
    ap.add_argument("--length", type=int, default=200000)
    ap.add_argument("--window", type=int, default=50)
    args = ap.parse_args()
    rng = np.random.default_rng(8)
    anomalies = 0
    for s in range(args.sensors):
        t = np.arange(args.length)
        x = np.sin(t / 500.0 + s) + 0.3 * rng.standard_normal(args.length)
        ma = moving_average(x, args.window)
        sd = rolling_std(x, args.window)
        z = (x[args.window - 1:] - ma) / (sd + 1e-9)
        anomalies += int(np.count_nonzero(np.abs(z) > 3.0))
    print("anomalies", anomalies)


if __name__ == "__main__":
    main()
