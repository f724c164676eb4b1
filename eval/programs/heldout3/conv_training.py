"""A tiny 1-D convolutional model trained with plain NumPy and a training loop."""
import argparse

import numpy as np


class Conv1D:
    def __init__(self, width, channels, rng):
        self.w = rng.normal(0, 0.1, size=(channels, width))
        self.b = np.zeros(channels)

    def forward(self, x):
        # x: (batch, length); windows: (batch, length - width + 1, width)
        width = self.w.shape[1]
        self.windows = np.lib.stride_tricks.sliding_window_view(x, width, axis=1)
        return np.einsum("blw,cw->blc", self.windows, self.w) + self.b

    def backward(self, grad, lr):
        gw = np.einsum("blc,blw->cw", grad, self.windows)
        self.w -= lr * gw / grad.shape[0]
        self.b -= lr * grad.sum((0, 1)) / grad.shape[0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--samples", type=int, default=4000)
    p.add_argument("--length", type=int, default=256)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch", type=int, default=200)
    args = p.parse_args()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(args.samples, args.length))
    y = (x[:, ::4].sum(1) > 0).astype(float)
    conv = Conv1D(9, 16, rng)
    head = rng.normal(0, 0.1, size=16)
    for epoch in range(args.epochs):
        order = rng.permutation(args.samples)
        loss = 0.0
        for s in range(0, args.samples, args.batch):
            idx = order[s:s + args.batch]
            h = conv.forward(x[idx])
            act = np.maximum(h, 0)
            pooled = act.mean(1)
            logits = pooled @ head
            prob = 1 / (1 + np.exp(-logits))
            err = prob - y[idx]
            loss += float((err ** 2).mean())
            gp = np.outer(err, head) / act.shape[1]
            gh = (h > 0) * gp[:, None, :]
            head -= 0.1 * pooled.T @ err / len(idx)
            conv.backward(gh, 0.1)
        print(epoch, round(loss, 4))


if __name__ == "__main__":
    main()
