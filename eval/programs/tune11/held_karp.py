"""Travelling salesman on random cities: exact Held-Karp DP over bitmasks for
small n, checked against brute force over permutations for the smallest."""
import itertools
import math
import random
import sys


def dist_matrix(points):
    return [[math.dist(p, q) for q in points] for p in points]


def held_karp(d):
    n = len(d)
    best = {}
    for k in range(1, n):
        best[(1 << k, k)] = d[0][k]
    for size in range(2, n):
        for subset in itertools.combinations(range(1, n), size):
            bits = 0
            for b in subset:
                bits |= 1 << b
            for k in subset:
                prev = bits & ~(1 << k)
                best[(bits, k)] = min(best[(prev, m)] + d[m][k] for m in subset if m != k)
    full = (1 << n) - 2
    return min(best[(full, k)] + d[k][0] for k in range(1, n))


def brute(d):
    n = len(d)
    return min(
        sum(d[a][b] for a, b in zip((0,) + p, p + (0,)))
        for p in itertools.permutations(range(1, n))
    )


def main(n):
    rng = random.Random(9)
    pts = [(rng.random(), rng.random()) for _ in range(n)]
    d = dist_matrix(pts)
    small = dist_matrix(pts[:8])
    assert abs(held_karp(small) - brute(small)) < 1e-9
    print(round(held_karp(d), 6))


if __name__ == "__main__":
    main(int(sys.argv[1]))
