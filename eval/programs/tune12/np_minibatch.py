"""Softmax regression trained with mini-batch SGD and momentum on synthetic
clusters, with a validation pass each epoch."""
import argparse

import numpy as np


def make_data(n, d, k, rng):
    centers = rng.normal(0, 3, size=(k, d))
    y = rng.integers(0, k, size=n)
    x = centers[y] + rng.normal(0, 1, size=(n, d))
    return x.astype(np.float32), y


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class SoftmaxModel:
    def __init__(self, d, k, lr, momentum):
        self.w = np.zeros((d, k), dtype=np.float32)
        self.b = np.zeros(k, dtype=np.float32)
        self.vw = np.zeros_like(self.w)
        self.vb = np.zeros_like(self.b)
        self.lr = lr
        self.momentum = momentum

    def step(self, xb, yb):
        p = softmax(xb @ self.w + self.b)
        p[np.arange(len(yb)), yb] -= 1.0
        gw = xb.T @ p / len(yb)
        gb = p.mean(axis=0)
        self.vw = self.momentum * self.vw - self.lr * gw
        self.vb = self.momentum * self.vb - self.lr * gb
        self.w += self.vw
        self.b += self.vb

    def accuracy(self, x, y):
        return float((np.argmax(x @ self.w + self.b, axis=1) == y).mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=60000)
    ap.add_argument("--features", type=int, default=64)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=128)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    x, y = make_data(args.samples, args.features, args.classes, rng)
    split = int(0.9 * len(x))
    model = SoftmaxModel(args.features, args.classes, lr=0.05, momentum=0.9)
    for epoch in range(args.epochs):
        order = rng.permutation(split)
        for start in range(0, split, args.batch):
            idx = order[start:start + args.batch]
            model.step(x[idx], y[idx])
        acc = model.accuracy(x[split:], y[split:])
    print(round(acc, 3))


if __name__ == "__main__":
    main()
