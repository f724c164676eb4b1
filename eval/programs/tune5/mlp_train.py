"""A two-layer perceptron for 10-class classification, trained with
minibatch SGD in numpy: ReLU, softmax cross-entropy, backprop by hand."""
import argparse

import numpy as np


class MLP:
    def __init__(self, d, h, k, rng):
        self.w1 = rng.standard_normal((d, h)) * np.sqrt(2.0 / d)
        self.b1 = np.zeros(h)
        self.w2 = rng.standard_normal((h, k)) * np.sqrt(2.0 / h)
        self.b2 = np.zeros(k)

    def step(self, x, y, lr):
        z1 = x @ self.w1 + self.b1
        a1 = np.maximum(z1, 0)
        logits = a1 @ self.w2 + self.b2
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        loss = -np.log(p[np.arange(len(y)), y] + 1e-12).mean()
        g = p
        g[np.arange(len(y)), y] -= 1
        g /= len(y)
        gw2 = a1.T @ g
        ga1 = g @ self.w2.T
        ga1[z1 <= 0] = 0
        gw1 = x.T @ ga1
        self.w2 -= lr * gw2
        self.b2 -= lr * g.sum(axis=0)
        self.w1 -= lr * gw1
        self.b1 -= lr * ga1.sum(axis=0)
        return loss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=60000)
    ap.add_argument("--d", type=int, default=784)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=2)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    x = rng.random((a.n, a.d), dtype=np.float32)
    y = rng.integers(0, 10, size=a.n)
    model = MLP(a.d, a.hidden, 10, rng)
    for epoch in range(a.epochs):
        order = rng.permutation(a.n)
        losses = []
        for i in range(0, a.n, a.batch):
            idx = order[i:i + a.batch]
            losses.append(model.step(x[idx], y[idx], 0.1))
        print("epoch", epoch, "loss", round(float(np.mean(losses)), 4))


if __name__ == "__main__":
    main()
