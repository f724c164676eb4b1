"""Logistic regression trained by minibatch gradient descent in numpy, with
a held-out accuracy check after each epoch."""
import argparse

import numpy as np


def make_data(n, d, rng):
    w_true = rng.normal(size=d)
    X = rng.normal(size=(n, d))
    logits = X @ w_true + 0.5 * rng.normal(size=n)
    y = (logits > 0).astype(np.float64)
    return X, y


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def train(X, y, Xv, yv, epochs, batch, lr):
    n, d = X.shape
    w = np.zeros(d)
    b = 0.0
    rng = np.random.default_rng(1)
    for epoch in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            xb = X[idx]
            p = sigmoid(xb @ w + b)
            g = p - y[idx]
            w -= lr * (xb.T @ g) / len(idx)
            b -= lr * g.mean()
        acc = ((sigmoid(Xv @ w + b) > 0.5) == yv).mean()
        print("epoch", epoch, round(float(acc), 4))
    return w, b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200000)
    ap.add_argument("--d", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=256)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    X, y = make_data(args.n, args.d, rng)
    Xv, yv = make_data(args.n // 10, args.d, rng)
    train(X, y, Xv, yv, args.epochs, args.batch, 0.1)


if __name__ == "__main__":
    main()
