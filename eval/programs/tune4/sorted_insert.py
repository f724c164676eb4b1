"""Keeps a sorted list with bisect.insort while streaming values, answers
rank queries by bisect, and trims the list when it grows too big."""
import bisect
import random
import sys


def main(n, cap):
    rng = random.Random(10)
    xs = []
    ranks = 0
    for i in range(n):
        v = rng.random()
        bisect.insort(xs, v)
        if len(xs) > cap:
            del xs[: cap // 2]
        if i % 10 == 0:
            ranks += bisect.bisect_left(xs, 0.5)
    print(len(xs), ranks)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400000, int(sys.argv[2]) if len(sys.argv) > 2 else 20000)
