"""Train a small two-layer network on synthetic data, the way a training
script is usually written: argparse, a main(), an epoch loop around a batch
loop, and a model class holding the weights."""
import argparse
import sys

import numpy as np


class MLP:
    def __init__(self, dim, hidden, classes, rng):
        self.w1 = rng.normal(scale=1.0 / np.sqrt(dim), size=(dim, hidden))
        self.w2 = rng.normal(scale=1.0 / np.sqrt(hidden), size=(hidden, classes))

    def forward(self, x):
        self.h = np.maximum(x @ self.w1, 0.0)
        return self.h @ self.w2

    def backward(self, x, grad_out, lr):
        grad_w2 = self.h.T @ grad_out
        grad_h = (grad_out @ self.w2.T) * (self.h > 0)
        grad_w1 = x.T @ grad_h
        self.w2 -= lr * grad_w2
        self.w1 -= lr * grad_w1


def softmax_loss(scores, labels):
    shifted = scores - scores.max(axis=1, keepdims=True)
    p = np.exp(shifted)
    p /= p.sum(axis=1, keepdims=True)
    n = len(labels)
    loss = -np.log(p[np.arange(n), labels] + 1e-12).mean()
    p[np.arange(n), labels] -= 1.0
    return loss, p / n


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--samples", type=int, default=8192)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--lr", type=float, default=0.05)
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    rng = np.random.default_rng(42)
    x = rng.normal(size=(args.samples, args.dim))
    true_w = rng.normal(size=(args.dim, args.classes))
    y = np.argmax(x @ true_w, axis=1)
    model = MLP(args.dim, args.hidden, args.classes, rng)
    history = []
    for epoch in range(args.epochs):
        order = rng.permutation(args.samples)
        total = 0.0
        for start in range(0, args.samples, args.batch):
            idx = order[start:start + args.batch]
            scores = model.forward(x[idx])
            loss, grad = softmax_loss(scores, y[idx])
            model.backward(x[idx], grad, args.lr)
            total += loss * len(idx)
        history.append(total / args.samples)
        acc = (np.argmax(model.forward(x), axis=1) == y).mean()
        print(f"epoch {epoch}: loss {history[-1]:.4f} accuracy {acc:.3f}")
    print("best loss", round(min(history), 4))
    return 0


if __name__ == "__main__":
    sys.exit(main())
