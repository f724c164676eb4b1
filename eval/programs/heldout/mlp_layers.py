"""A two-layer perceptron as classes, trained with full-batch gradient descent."""
import sys
import numpy as np


class Dense:
    def __init__(self, n_in, n_out, rng):
        self.W = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        self.b = np.zeros(n_out)

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, g, lr):
        gW = self.x.T @ g
        gx = g @ self.W.T
        self.W -= lr * gW
        self.b -= lr * g.sum(axis=0)
        return gx


class ReLU:
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, g, lr):
        return g * self.mask


class Net:
    def __init__(self, sizes, rng):
        self.layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            self.layers.append(Dense(a, b, rng))
            self.layers.append(ReLU())
        self.layers.pop()

    def forward(self, x):
        for l in self.layers:
            x = l.forward(x)
        return x

    def backward(self, g, lr):
        for l in reversed(self.layers):
            g = l.backward(g, lr)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 100))
    y = np.sin(X[:, :1])
    net = Net([100, 256, 256, 1], rng)
    for epoch in range(20):
        out = net.forward(X)
        err = out - y
        net.backward(2 * err / n, 0.01)
        if epoch % 5 == 0:
            print(epoch, float((err ** 2).mean()))


if __name__ == "__main__":
    main()
