"""A pure-Python matrix class with operator overloading."""
import sys


class Matrix:
    def __init__(self, rows):
        self.rows = rows
        self.n = len(rows)
        self.m = len(rows[0])

    @classmethod
    def identity(cls, n):
        return cls([[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)])

    def __add__(self, other):
        return Matrix([[a + b for a, b in zip(r, s)] for r, s in zip(self.rows, other.rows)])

    def __mul__(self, other):
        cols = list(zip(*other.rows))
        return Matrix([[sum(a * b for a, b in zip(r, c)) for c in cols] for r in self.rows])

    def trace(self):
        return sum(self.rows[i][i] for i in range(self.n))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 90
    a = Matrix([[(i * j % 7) / 7.0 for j in range(n)] for i in range(n)])
    b = Matrix.identity(n) + a
    c = a * b
    d = c * a
    print(round(d.trace(), 4))


if __name__ == "__main__":
    main()
