"""A two-layer perceptron trained with minibatch SGD in numpy."""
import argparse
import numpy as np


class MLP:
    def __init__(self, d_in, d_hidden, d_out, rng):
        self.w1 = rng.standard_normal((d_in, d_hidden)) * np.sqrt(2.0 / d_in)
        self.b1 = np.zeros(d_hidden)
        self.w2 = rng.standard_normal((d_hidden, d_out)) * np.sqrt(2.0 / d_hidden)
        self.b2 = np.zeros(d_out)

    def forward(self, x):
        self.x = x
        self.h = np.maximum(x @ self.w1 + self.b1, 0.0)
        logits = self.h @ self.w2 + self.b2
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        self.p = e / e.sum(axis=1, keepdims=True)
        return self.p

    def backward(self, y, lr):
        n = y.shape[0]
        g = self.p.copy()
        g[np.arange(n), y] -= 1.0
        g /= n
        gw2 = self.h.T @ g
        gh = g @ self.w2.T
        gh[self.h <= 0] = 0.0
        gw1 = self.x.T @ gh
        self.w2 -= lr * gw2
        self.b2 -= lr * g.sum(axis=0)
        self.w1 -= lr * gw1
        self.b1 -= lr * gh.sum(axis=0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=20000)
    ap.add_argument("--features", type=int, default=256)
    ap.add_argument("--hidden", type=int, default=512)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=128)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((a.samples, a.features)).astype(np.float32)
    y = rng.integers(0, 10, a.samples)
    model = MLP(a.features, a.hidden, 10, rng)
    for epoch in range(a.epochs):
        perm = rng.permutation(a.samples)
        loss = 0.0
        for i in range(0, a.samples, a.batch):
            idx = perm[i:i + a.batch]
            p = model.forward(x[idx])
            loss += -np.log(p[np.arange(len(idx)), y[idx]] + 1e-9).sum()
            model.backward(y[idx], 0.05)
        print(epoch, loss / a.samples)


if __name__ == "__main__":
    main()
