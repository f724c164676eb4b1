"""Repeated box blur of an image with shifted slices, as a filter loop."""
import argparse
import numpy as np


def blur(img):
    out = img.copy()
    out[1:-1, 1:-1] = (
        img[:-2, :-2] + img[:-2, 1:-1] + img[:-2, 2:]
        + img[1:-1, :-2] + img[1:-1, 1:-1] + img[1:-1, 2:]
        + img[2:, :-2] + img[2:, 1:-1] + img[2:, 2:]
    ) / 9.0
    return out


def main():
    ap = argparse.ArgumentParser(description="blur benchmark")
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--passes", type=int, default=20)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    img = rng.random((args.size, args.size))
    for step in range(args.passes):
        img = blur(img)
        if step % 10 == 0:
            print(step, float(img.mean()))
    print(float(img.std()))


if __name__ == "__main__":
    main()
