"""A priority queue written by hand: sift loops with `while True` and an
early return, used to schedule jobs by deadline."""
import random
import sys


class PQ:
    def __init__(self):
        self.a = []

    def push(self, x):
        a = self.a
        a.append(x)
        i = len(a) - 1
        while i > 0:
            p = (i - 1) >> 1
            if a[p] <= a[i]:
                return
            a[p], a[i] = a[i], a[p]
            i = p

    def pop(self):
        a = self.a
        last = a.pop()
        if not a:
            return last
        top, a[0] = a[0], last
        i, n = 0, len(a)
        while True:
            c = 2 * i + 1
            if c >= n:
                return top
            if c + 1 < n and a[c + 1] < a[c]:
                c += 1
            if a[i] <= a[c]:
                return top
            a[i], a[c] = a[c], a[i]
            i = c

    def __bool__(self):
        return bool(self.a)


def main():
    n = int(sys.argv[1])
    rng = random.Random(5)
    q = PQ()
    for _ in range(n):
        q.push(rng.random())
    total = 0.0
    while q:
        total += q.pop()
    print(round(total, 3))


if __name__ == "__main__":
    main()
