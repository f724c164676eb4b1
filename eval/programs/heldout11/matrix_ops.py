"""A pure-Python Matrix class with operator overloading: products, powers, determinant."""
import argparse
import random


class Matrix:
    def __init__(self, rows):
        self.rows = rows
        self.n = len(rows)
        self.m = len(rows[0]) if rows else 0

    @classmethod
    def identity(cls, n):
        return cls([[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)])

    @classmethod
    def random(cls, n, rng):
        return cls([[rng.uniform(-1, 1) for _ in range(n)] for _ in range(n)])

    def __add__(self, other):
        return Matrix([[a + b for a, b in zip(r1, r2)] for r1, r2 in zip(self.rows, other.rows)])

    def __mul__(self, other):
        if isinstance(other, (int, float)):
            return Matrix([[a * other for a in row] for row in self.rows])
        cols = list(zip(*other.rows))
        return Matrix([[sum(a * b for a, b in zip(row, col)) for col in cols] for row in self.rows])

    def transpose(self):
        return Matrix([list(c) for c in zip(*self.rows)])

    def determinant(self):
        a = [row[:] for row in self.rows]
        n = self.n
        det = 1.0
        for k in range(n):
            pivot = max(range(k, n), key=lambda i: abs(a[i][k]))
            if abs(a[pivot][k]) < 1e-12:
                return 0.0
            if pivot != k:
                a[k], a[pivot] = a[pivot], a[k]
                det = -det
            det *= a[k][k]
            for i in range(k + 1, n):
                f = a[i][k] / a[k][k]
                row_i = a[i]
                row_k = a[k]
                for j in range(k, n):
                    row_i[j] -= f * row_k[j]
        return det

    def trace(self):
        return sum(self.rows[i][i] for i in range(self.n))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=70)
    p.add_argument("--power", type=int, default=6)
    args = p.parse_args()
    rng = random.Random(5)
    a = Matrix.random(args.size, rng)
    b = Matrix.random(args.size, rng)
    c = (a * b + b.transpose()) * 0.5
    acc = Matrix.identity(args.size)
    for _ in range(args.power):
        acc = acc * c
    print("trace %.4g det %.4g" % (acc.trace(), (a + b).determinant()))


if __name__ == "__main__":
    main()
