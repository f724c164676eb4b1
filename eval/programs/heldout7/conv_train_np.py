"""A one-layer convolutional filter trained by gradient descent in numpy:
sliding windows over a batch of images, einsum forward and backward."""
import argparse

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def forward(images, kernel):
    win = sliding_window_view(images, kernel.shape, axis=(1, 2))
    return np.einsum("bijkl,kl->bij", win, kernel), win


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--steps", type=int, default=30)
    a = ap.parse_args()
    rng = np.random.default_rng(4)
    true_k = rng.standard_normal((a.k, a.k))
    kernel = np.zeros((a.k, a.k))
    lr = 1e-4
    for step in range(a.steps):
        images = rng.standard_normal((a.batch, a.size, a.size))
        target, _ = forward(images, true_k)
        out, win = forward(images, kernel)
        err = out - target
        grad = np.einsum("bij,bijkl->kl", err, win) / err.size
        kernel -= lr * 1000 * grad
        if step % 10 == 0:
            print(step, float((err ** 2).mean()))
    print("kernel error", float(np.abs(kernel - true_k).max()))


if __name__ == "__main__":
    main()
