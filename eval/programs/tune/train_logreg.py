"""Logistic regression trained with minibatch SGD, the way a notebook would."""
import argparse
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--samples", type=int, default=200000)
    p.add_argument("--features", type=int, default=64)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch", type=int, default=1024)
    a = p.parse_args()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((a.samples, a.features))
    true_w = rng.standard_normal(a.features)
    y = (X @ true_w > 0).astype(np.float64)
    w = np.zeros(a.features)
    lr = 0.1
    for epoch in range(a.epochs):
        order = rng.permutation(a.samples)
        for start in range(0, a.samples, a.batch):
            idx = order[start:start + a.batch]
            xb = X[idx]
            yb = y[idx]
            pred = sigmoid(xb @ w)
            grad = xb.T @ (pred - yb) / len(idx)
            w -= lr * grad
        loss = -np.mean(y * np.log(sigmoid(X @ w) + 1e-9) + (1 - y) * np.log(1 - sigmoid(X @ w) + 1e-9))
        print(epoch, round(float(loss), 4))


if __name__ == "__main__":
    main()
