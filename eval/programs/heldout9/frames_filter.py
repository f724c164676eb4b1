"""A stack of video frames filtered one at a time in numpy: separable blur
by shifted slices, a background model updated by exponential averaging,
and a per-frame histogram of the foreground mask."""
import argparse

import numpy as np


def blur(img, k=2):
    out = img.copy()
    for axis in (0, 1):
        acc = np.zeros_like(out)
        for s in range(-k, k + 1):
            acc += np.roll(out, s, axis=axis)
        out = acc / (2 * k + 1)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--size", type=int, default=720)
    args = ap.parse_args()
    rng = np.random.default_rng(5)
    h, w = args.size, args.size * 16 // 9
    background = None
    counts = np.zeros(32, dtype=np.int64)
    for f in range(args.frames):
        frame = rng.random((h, w), dtype=np.float32) * 0.2
        frame[(f * 7) % h:(f * 7) % h + 40, 100:200] += 0.8
        smooth = blur(frame)
        if background is None:
            background = smooth.copy()
        mask = np.abs(smooth - background) > 0.1
        background = 0.95 * background + 0.05 * smooth
        hist, _ = np.histogram(smooth[mask], bins=32, range=(0.0, 1.0))
        counts += hist
    print(counts.sum(), counts.argmax())


if __name__ == "__main__":
    main()
