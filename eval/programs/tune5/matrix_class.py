"""A pure-Python matrix class with operator overloading (+, *, @,
transpose), used for a few steps of a linear recurrence."""
import random
import sys


class Matrix:
    def __init__(self, rows):
        self.rows = rows
        self.n = len(rows)
        self.m = len(rows[0])

    @classmethod
    def random(cls, n, m, rng):
        return cls([[rng.uniform(-1, 1) for _ in range(m)] for _ in range(n)])

    def __add__(self, other):
        return Matrix([[a + b for a, b in zip(r, s)] for r, s in zip(self.rows, other.rows)])

    def __mul__(self, k):
        return Matrix([[a * k for a in r] for r in self.rows])

    def T(self):
        return Matrix([list(c) for c in zip(*self.rows)])

    def __matmul__(self, other):
        cols = other.T().rows
        return Matrix([[sum(a * b for a, b in zip(r, c)) for c in cols] for r in self.rows])

    def norm(self):
        return sum(a * a for r in self.rows for a in r) ** 0.5


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 80
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    rng = random.Random(2)
    a = Matrix.random(n, n, rng) * (1.0 / n)
    x = Matrix.random(n, n, rng)
    for _ in range(steps):
        x = a @ x + x * 0.5
    print("norm", round(x.norm(), 6))


if __name__ == "__main__":
    main()
