"""Softmax regression trained by minibatch SGD in numpy until the validation
loss stops improving (patience), as a training script with a Trainer class."""
import argparse

import numpy as np


class Trainer:
    def __init__(self, features, classes, lr=0.1, seed=0):
        rng = np.random.default_rng(seed)
        self.w = rng.normal(0.0, 0.01, size=(features, classes))
        self.b = np.zeros(classes)
        self.lr = lr

    def logits(self, x):
        return x @ self.w + self.b

    def loss(self, x, y):
        z = self.logits(x)
        z -= z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -logp[np.arange(len(y)), y].mean()

    def step(self, x, y):
        z = self.logits(x)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1.0
        p /= len(y)
        self.w -= self.lr * (x.T @ p)
        self.b -= self.lr * p.sum(axis=0)


def make_data(n, features, classes, rng):
    centers = rng.normal(0.0, 1.5, size=(classes, features))
    y = rng.integers(0, classes, size=n)
    x = centers[y] + rng.normal(0.0, 1.0, size=(n, features))
    return x, y


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=40000)
    parser.add_argument("--features", type=int, default=64)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--patience", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    x, y = make_data(args.samples, args.features, args.classes, rng)
    split = int(0.8 * len(y))
    xtr, ytr, xva, yva = x[:split], y[:split], x[split:], y[split:]
    trainer = Trainer(args.features, args.classes)
    best, waited, epoch = float("inf"), 0, 0
    while waited < args.patience and epoch < 60:
        order = rng.permutation(len(ytr))
        for start in range(0, len(ytr), args.batch):
            idx = order[start:start + args.batch]
            trainer.step(xtr[idx], ytr[idx])
        val = trainer.loss(xva, yva)
        if val < best - 1e-4:
            best, waited = val, 0
        else:
            waited += 1
        epoch += 1
    print(epoch, round(float(best), 4))


if __name__ == "__main__":
    main()
