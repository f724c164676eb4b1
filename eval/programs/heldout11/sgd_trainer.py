"""A Trainer class fitting softmax regression with minibatch SGD in numpy, with validation."""
import argparse
import numpy as np


class SoftmaxModel:
    def __init__(self, features, classes, rng):
        self.W = rng.normal(0, 0.01, (features, classes))
        self.b = np.zeros(classes)

    def logits(self, X):
        return X @ self.W + self.b

    def probs(self, X):
        z = self.logits(X)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


class Trainer:
    def __init__(self, model, lr, batch, l2):
        self.model = model
        self.lr = lr
        self.batch = batch
        self.l2 = l2
        self.history = []

    def step(self, X, y):
        p = self.model.probs(X)
        p[np.arange(len(y)), y] -= 1
        p /= len(y)
        self.model.W -= self.lr * (X.T @ p + self.l2 * self.model.W)
        self.model.b -= self.lr * p.sum(axis=0)

    def epoch(self, X, y, rng):
        order = rng.permutation(len(X))
        for start in range(0, len(X), self.batch):
            idx = order[start:start + self.batch]
            self.step(X[idx], y[idx])

    def accuracy(self, X, y):
        return float((self.model.probs(X).argmax(axis=1) == y).mean())

    def fit(self, X, y, Xv, yv, epochs, rng):
        for e in range(epochs):
            self.epoch(X, y, rng)
            self.history.append(self.accuracy(Xv, yv))
        return self.history


def make_data(rng, n, d, k):
    centers = rng.normal(0, 2, (k, d))
    y = rng.integers(0, k, n)
    X = centers[y] + rng.normal(0, 1.5, (n, d))
    return X, y


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--samples", type=int, default=60000)
    p.add_argument("--features", type=int, default=100)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch", type=int, default=128)
    args = p.parse_args()
    rng = np.random.default_rng(0)
    X, y = make_data(rng, args.samples, args.features, args.classes)
    split = int(0.8 * len(X))
    trainer = Trainer(SoftmaxModel(args.features, args.classes, rng), 0.1, args.batch, 1e-4)
    hist = trainer.fit(X[:split], y[:split], X[split:], y[split:], args.epochs, rng)
    print("val acc", ["%.3f" % a for a in hist])


if __name__ == "__main__":
    main()
