"""K-means on points held as lists of tuples, written without numpy."""
import math
import random
import sys


def closest(point, centers):
    best = 0
    best_d = math.inf
    for j, c in enumerate(centers):
        d = (point[0] - c[0]) ** 2 + (point[1] - c[1]) ** 2
        if d < best_d:
            best_d = d
            best = j
    return best


def update(points, labels, k):
    sums = [[0.0, 0.0] for _ in range(k)]
    counts = [0] * k
    for p, l in zip(points, labels):
        sums[l][0] += p[0]
        sums[l][1] += p[1]
        counts[l] += 1
    return [(s[0] / max(c, 1), s[1] / max(c, 1)) for s, c in zip(sums, counts)]


def kmeans(points, k, iters):
    centers = random.sample(points, k)
    labels = []
    for _ in range(iters):
        labels = [closest(p, centers) for p in points]
        centers = update(points, labels, k)
    return centers, labels


def main(n, k, iters):
    random.seed(3)
    points = [(random.gauss(0, 1), random.gauss(0, 1)) for _ in range(n)]
    centers, labels = kmeans(points, k, iters)
    print(len(centers), sum(labels))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
