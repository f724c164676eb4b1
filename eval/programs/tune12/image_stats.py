"""A batch of synthetic greyscale images: box blur by shifted slices, Sobel
edges, an intensity histogram per image, and Otsu thresholds."""
import sys

import numpy as np


def box_blur(img, r):
    padded = np.pad(img, r, mode="edge")
    acc = np.zeros_like(img, dtype=np.float64)
    size = 2 * r + 1
    h, w = img.shape
    for dy in range(size):
        for dx in range(size):
            acc += padded[dy:dy + h, dx:dx + w]
    return acc / (size * size)


def sobel(img):
    gx = img[1:-1, 2:] - img[1:-1, :-2]
    gy = img[2:, 1:-1] - img[:-2, 1:-1]
    return np.hypot(gx, gy)


def otsu(hist):
    total = hist.sum()
    levels = np.arange(len(hist))
    best, best_t = -1.0, 0
    for t in range(1, len(hist)):
        w0 = hist[:t].sum() / total
        w1 = 1.0 - w0
        if w0 == 0 or w1 == 0:
            continue
        m0 = (hist[:t] * levels[:t]).sum() / (w0 * total)
        m1 = (hist[t:] * levels[t:]).sum() / (w1 * total)
        between = w0 * w1 * (m0 - m1) ** 2
        if between > best:
            best, best_t = between, t
    return best_t


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 512
    rng = np.random.default_rng(4)
    thresholds = []
    edges = 0.0
    for _ in range(count):
        img = rng.random((size, size)) * 255
        img[size // 4: size // 2, size // 4: size // 2] += 80
        smooth = box_blur(img, 2)
        edges += float(sobel(smooth).mean())
        hist = np.bincount(np.clip(smooth, 0, 255).astype(np.int64).ravel(), minlength=256)
        thresholds.append(otsu(hist))
    print(round(edges, 2), sum(thresholds) / len(thresholds))


if __name__ == "__main__":
    main()
