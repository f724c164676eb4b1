"""Minibatch SGD for linear regression in numpy, with a small model class."""
import argparse

import numpy as np


class LinearModel:
    def __init__(self, d, rng):
        self.w = rng.normal(scale=0.01, size=d)
        self.b = 0.0

    def predict(self, x):
        return x @ self.w + self.b

    def step(self, x, y, lr):
        err = self.predict(x) - y
        self.w -= lr * (x.T @ err) / len(y)
        self.b -= lr * err.mean()
        return float((err ** 2).mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=200000)
    ap.add_argument("--features", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=512)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.samples, args.features))
    true_w = rng.normal(size=args.features)
    y = x @ true_w + rng.normal(scale=0.1, size=args.samples)
    model = LinearModel(args.features, rng)
    for epoch in range(args.epochs):
        perm = rng.permutation(args.samples)
        loss = 0.0
        for start in range(0, args.samples, args.batch):
            idx = perm[start:start + args.batch]
            loss = model.step(x[idx], y[idx], 0.05)
        print(epoch, round(loss, 5))


if __name__ == "__main__":
    main()
