"""Linear regression with L2 penalty trained by minibatch gradient descent
in numpy, with a validation loss every epoch."""
import argparse

import numpy as np


def batches(x, y, size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x), size):
        idx = order[start:start + size]
        yield x[idx], y[idx]


def train(x, y, xv, yv, epochs, lr, batch, lam, rng):
    w = np.zeros(x.shape[1])
    b = 0.0
    history = []
    for epoch in range(epochs):
        for xb, yb in batches(x, y, batch, rng):
            err = xb @ w + b - yb
            gw = xb.T @ err / len(xb) + lam * w
            gb = err.mean()
            w -= lr * gw
            b -= lr * gb
        val = np.mean((xv @ w + b - yv) ** 2)
        history.append(val)
    return w, b, history


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=200000)
    ap.add_argument("--features", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.samples, args.features))
    true_w = rng.standard_normal(args.features)
    y = x @ true_w + 0.1 * rng.standard_normal(args.samples)
    split = int(0.8 * args.samples)
    w, b, hist = train(x[:split], y[:split], x[split:], y[split:],
                       args.epochs, 0.05, 256, 1e-4, rng)
    print(f"final val mse {hist[-1]:.5f}, |w - w*| = {np.linalg.norm(w - true_w):.4f}")


if __name__ == "__main__":
    main()
