"""Histogram equalisation and a separable box blur of a synthetic 8-bit
image, frame after frame, in numpy."""
import argparse

import numpy as np


def equalize(img):
    hist = np.bincount(img.ravel(), minlength=256)
    cdf = np.cumsum(hist).astype(np.float64)
    cdf = (cdf - cdf.min()) / (cdf.max() - cdf.min()) * 255.0
    return cdf.astype(np.uint8)[img]


def box_blur(img, r):
    f = img.astype(np.float32)
    out = np.zeros_like(f)
    for d in range(-r, r + 1):
        out += np.roll(f, d, axis=0)
    f = out / (2 * r + 1)
    out = np.zeros_like(f)
    for d in range(-r, r + 1):
        out += np.roll(f, d, axis=1)
    return (out / (2 * r + 1)).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1200)
    ap.add_argument("--frames", type=int, default=8)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    total = 0
    for _ in range(args.frames):
        img = rng.integers(0, 180, size=(args.size, args.size), dtype=np.uint8)
        eq = equalize(img)
        bl = box_blur(eq, 3)
        total += int(bl.sum() % 1000)
    print(total)


if __name__ == "__main__":
    main()
