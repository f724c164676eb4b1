"""K-means on 2-D points in pure Python: points as tuples, centres as a
list, assignment by nearest squared distance."""
import random
import sys


def assign(points, centres):
    labels = []
    for x, y in points:
        best, best_d = 0, float("inf")
        for j, (cx, cy) in enumerate(centres):
            d = (x - cx) ** 2 + (y - cy) ** 2
            if d < best_d:
                best, best_d = j, d
        labels.append(best)
    return labels


def update(points, labels, k):
    sx = [0.0] * k
    sy = [0.0] * k
    cnt = [0] * k
    for (x, y), l in zip(points, labels):
        sx[l] += x
        sy[l] += y
        cnt[l] += 1
    return [(sx[j] / cnt[j], sy[j] / cnt[j]) if cnt[j] else (0.0, 0.0) for j in range(k)]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    iters = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    rng = random.Random(1)
    points = [(rng.gauss(0, 10), rng.gauss(0, 10)) for _ in range(n)]
    centres = rng.sample(points, k)
    for _ in range(iters):
        labels = assign(points, centres)
        centres = update(points, labels, k)
    print("centres", [tuple(round(c, 2) for c in cc) for cc in centres[:3]])


if __name__ == "__main__":
    main()
