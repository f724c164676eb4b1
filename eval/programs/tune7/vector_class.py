"""A vector class over lists with operators, __iter__ and __len__:
Gram-Schmidt over many random vectors, then projections."""
import math
import random
import sys


class Vec:
    def __init__(self, xs):
        self.xs = list(xs)

    def __len__(self):
        return len(self.xs)

    def __iter__(self):
        return iter(self.xs)

    def __add__(self, o):
        return Vec(a + b for a, b in zip(self.xs, o.xs))

    def __sub__(self, o):
        return Vec(a - b for a, b in zip(self.xs, o.xs))

    def __mul__(self, k):
        return Vec(a * k for a in self.xs)

    def dot(self, o):
        return sum(a * b for a, b in zip(self.xs, o.xs))

    def norm(self):
        return math.sqrt(self.dot(self))


def gram_schmidt(vs):
    basis = []
    for v in vs:
        w = v
        for b in basis:
            w = w - b * w.dot(b)
        n = w.norm()
        if n > 1e-9:
            basis.append(w * (1.0 / n))
    return basis


def main():
    dim = int(sys.argv[1])
    count = int(sys.argv[2])
    rng = random.Random(6)
    vs = [Vec(rng.gauss(0, 1) for _ in range(dim)) for _ in range(count)]
    basis = gram_schmidt(vs)
    checks = sum(abs(basis[i].dot(basis[j])) for i in range(len(basis)) for j in range(i))
    print(len(basis), round(checks, 6))


if __name__ == "__main__":
    main()
