"""Threshold noisy images (numpy) and label connected blobs with a Python flood fill."""
import argparse
import numpy as np


def smooth(img):
    out = img.copy()
    out[1:-1, 1:-1] = (img[:-2, 1:-1] + img[2:, 1:-1] + img[1:-1, :-2] + img[1:-1, 2:] + img[1:-1, 1:-1]) / 5
    return out


def label(mask):
    h, w = mask.shape
    grid = mask.tolist()
    labels = [[0] * w for _ in range(h)]
    current = 0
    sizes = []
    for r in range(h):
        for c in range(w):
            if grid[r][c] and not labels[r][c]:
                current += 1
                stack = [(r, c)]
                labels[r][c] = current
                size = 0
                while stack:
                    y, x = stack.pop()
                    size += 1
                    for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                        if 0 <= ny < h and 0 <= nx < w and grid[ny][nx] and not labels[ny][nx]:
                            labels[ny][nx] = current
                            stack.append((ny, nx))
                sizes.append(size)
    return current, sizes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=6)
    ap.add_argument("--size", type=int, default=400)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    total = 0
    biggest = 0
    for _ in range(args.images):
        img = rng.random((args.size, args.size))
        for _ in range(3):
            img = smooth(img)
        mask = img > 0.55
        n, sizes = label(mask)
        total += n
        biggest = max(biggest, max(sizes) if sizes else 0)
    print(f"blobs={total} biggest={biggest}")


if __name__ == "__main__":
    main()
