"""Edge detection on a stream of synthetic frames: Sobel gradients by
slicing, a threshold, and per-frame edge statistics."""
import argparse

import numpy as np


def sobel(img):
    gx = (img[:-2, 2:] + 2 * img[1:-1, 2:] + img[2:, 2:]
          - img[:-2, :-2] - 2 * img[1:-1, :-2] - img[2:, :-2])
    gy = (img[2:, :-2] + 2 * img[2:, 1:-1] + img[2:, 2:]
          - img[:-2, :-2] - 2 * img[:-2, 1:-1] - img[:-2, 2:])
    return np.hypot(gx, gy)


def frame(rng, h, w, t):
    y, x = np.mgrid[0:h, 0:w]
    base = np.sin((x + 3 * t) / 40.0) + np.cos((y - 2 * t) / 55.0)
    return base + 0.1 * rng.standard_normal((h, w))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--frames", type=int, default=12)
    args = ap.parse_args()
    rng = np.random.default_rng(4)
    counts = []
    for t in range(args.frames):
        img = frame(rng, args.height, args.width, t)
        mag = sobel(img)
        edges = mag > np.percentile(mag, 90)
        counts.append(int(edges.sum()))
    print("edges", counts[:3], sum(counts))


if __name__ == "__main__":
    main()
