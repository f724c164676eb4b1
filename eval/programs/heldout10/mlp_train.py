"""A two-layer classifier trained with minibatch SGD and momentum (numpy)."""
import argparse
import numpy as np


class MLP:
    def __init__(self, n_in, n_hidden, n_out, rng):
        self.w1 = rng.normal(0, np.sqrt(2 / n_in), (n_in, n_hidden))
        self.b1 = np.zeros(n_hidden)
        self.w2 = rng.normal(0, np.sqrt(2 / n_hidden), (n_hidden, n_out))
        self.b2 = np.zeros(n_out)
        self.v = [np.zeros_like(p) for p in self.params()]

    def params(self):
        return [self.w1, self.b1, self.w2, self.b2]

    def forward(self, x):
        self.x = x
        self.h = np.maximum(x @ self.w1 + self.b1, 0)
        logits = self.h @ self.w2 + self.b2
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        self.p = e / e.sum(axis=1, keepdims=True)
        return self.p

    def backward(self, y):
        n = len(y)
        d = self.p.copy()
        d[np.arange(n), y] -= 1
        d /= n
        gw2 = self.h.T @ d
        gb2 = d.sum(axis=0)
        dh = d @ self.w2.T
        dh[self.h <= 0] = 0
        gw1 = self.x.T @ dh
        gb1 = dh.sum(axis=0)
        return [gw1, gb1, gw2, gb2]

    def step(self, grads, lr, mom):
        for p, g, v in zip(self.params(), grads, self.v):
            v *= mom
            v -= lr * g
            p += v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=40000)
    ap.add_argument("--features", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=128)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.samples, args.features))
    w = rng.normal(size=(args.features, 10))
    y = (x @ w).argmax(axis=1)
    net = MLP(args.features, args.hidden, 10, rng)
    for epoch in range(args.epochs):
        order = rng.permutation(args.samples)
        loss = 0.0
        for start in range(0, args.samples, args.batch):
            idx = order[start:start + args.batch]
            p = net.forward(x[idx])
            loss -= np.log(p[np.arange(len(idx)), y[idx]] + 1e-12).sum()
            net.step(net.backward(y[idx]), 0.05, 0.9)
        acc = (net.forward(x).argmax(axis=1) == y).mean()
        print(f"epoch {epoch} loss {loss / args.samples:.4f} acc {acc:.3f}")


if __name__ == "__main__":
    main()
