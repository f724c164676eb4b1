"""A polynomial class with operator overloading: products of many small
polynomials, evaluation by Horner's rule at many points."""
import sys


class Poly:
    __slots__ = ("c",)

    def __init__(self, coeffs):
        c = list(coeffs)
        while len(c) > 1 and c[-1] == 0:
            c.pop()
        self.c = c

    def __add__(self, other):
        n = max(len(self.c), len(other.c))
        a = self.c + [0] * (n - len(self.c))
        b = other.c + [0] * (n - len(other.c))
        return Poly(x + y for x, y in zip(a, b))

    def __mul__(self, other):
        out = [0] * (len(self.c) + len(other.c) - 1)
        for i, x in enumerate(self.c):
            for j, y in enumerate(other.c):
                out[i + j] += x * y
        return Poly(out)

    def __call__(self, x):
        acc = 0.0
        for a in reversed(self.c):
            acc = acc * x + a
        return acc

    def degree(self):
        return len(self.c) - 1


def main():
    terms = int(sys.argv[1])
    points = int(sys.argv[2])
    p = Poly([1])
    for k in range(terms):
        p = p * Poly([1, (k % 7) / 7.0 - 0.5])
        if k % 50 == 0:
            p = p + Poly([0.5] * (k % 5 + 1))
    print("degree", p.degree())
    total = 0.0
    for i in range(points):
        total += p(-1.0 + 2.0 * i / points)
    print("sum", total)


if __name__ == "__main__":
    main()
