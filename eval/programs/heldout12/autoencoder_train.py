"""Train a small dense autoencoder in numpy with early stopping on a validation split."""
import argparse

import numpy as np


class Dense:
    def __init__(self, n_in, n_out, rng):
        self.W = rng.normal(0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
        self.b = np.zeros(n_out)

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, grad, lr):
        gW = self.x.T @ grad / len(grad)
        gb = grad.mean(axis=0)
        out = grad @ self.W.T
        self.W -= lr * gW
        self.b -= lr * gb
        return out


class Autoencoder:
    def __init__(self, sizes, rng):
        self.layers = [Dense(a, b, rng) for a, b in zip(sizes[:-1], sizes[1:])]

    def forward(self, x):
        self.acts = []
        for i, layer in enumerate(self.layers):
            x = layer.forward(x)
            if i < len(self.layers) - 1:
                self.acts.append(x > 0)
                x = np.maximum(x, 0)
        return x

    def backward(self, grad, lr):
        for i in range(len(self.layers) - 1, -1, -1):
            if i < len(self.layers) - 1:
                grad = grad * self.acts[i]
            grad = self.layers[i].backward(grad, lr)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--samples", type=int, default=20000)
    p.add_argument("--features", type=int, default=64)
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--batch", type=int, default=128)
    a = p.parse_args()
    rng = np.random.default_rng(0)
    latent = rng.normal(size=(a.samples, 8))
    mix = rng.normal(size=(8, a.features))
    data = np.tanh(latent @ mix) + 0.05 * rng.normal(size=(a.samples, a.features))
    split = int(0.9 * a.samples)
    train, valid = data[:split], data[split:]
    model = Autoencoder([a.features, 48, 16, 48, a.features], rng)
    best, patience = np.inf, 0
    for epoch in range(a.epochs):
        order = rng.permutation(len(train))
        for start in range(0, len(train), a.batch):
            xb = train[order[start:start + a.batch]]
            out = model.forward(xb)
            model.backward(2 * (out - xb), 0.01)
        loss = float(np.mean((model.forward(valid) - valid) ** 2))
        print(f"epoch {epoch} valid mse {loss:.5f}")
        if loss < best - 1e-4:
            best, patience = loss, 0
        else:
            patience += 1
            if patience >= 3:
                break
    print("best", round(best, 5))


if __name__ == "__main__":
    main()
