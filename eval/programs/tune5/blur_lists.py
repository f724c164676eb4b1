"""A 3x3 box blur on an image held as a list of lists of ints, repeated a
few times, with edges clamped."""
import random
import sys


def blur(img):
    h, w = len(img), len(img[0])
    out = [[0] * w for _ in range(h)]
    for y in range(h):
        for x in range(w):
            total = 0
            count = 0
            for dy in (-1, 0, 1):
                yy = y + dy
                if 0 <= yy < h:
                    row = img[yy]
                    for dx in (-1, 0, 1):
                        xx = x + dx
                        if 0 <= xx < w:
                            total += row[xx]
                            count += 1
            out[y][x] = total // count
    return out


def main():
    w = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    h = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    passes = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    rng = random.Random(0)
    img = [[rng.randrange(256) for _ in range(w)] for _ in range(h)]
    for _ in range(passes):
        img = blur(img)
    print("mean", sum(map(sum, img)) / (w * h))


if __name__ == "__main__":
    main()
