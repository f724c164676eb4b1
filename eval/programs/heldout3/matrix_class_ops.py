"""Dense matrices as lists of lists, with operators, as a course exercise."""
import sys


class Matrix:
    def __init__(self, rows):
        self.rows = rows
        self.n = len(rows)
        self.m = len(rows[0]) if rows else 0

    @classmethod
    def identity(cls, n):
        return cls([[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)])

    @classmethod
    def filled(cls, n, seed):
        rows = []
        x = seed
        for i in range(n):
            row = []
            for j in range(n):
                x = (x * 1103515245 + 12345) % 2147483648
                row.append((x % 1000) / 1000.0)
            rows.append(row)
        return cls(rows)

    def __matmul__(self, other):
        cols = list(zip(*other.rows))
        return Matrix([[sum(a * b for a, b in zip(r, c)) for c in cols] for r in self.rows])

    def __add__(self, other):
        return Matrix([[a + b for a, b in zip(r, s)] for r, s in zip(self.rows, other.rows)])

    def scale(self, k):
        return Matrix([[a * k for a in r] for r in self.rows])

    def trace(self):
        return sum(self.rows[i][i] for i in range(min(self.n, self.m)))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 120
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    a = Matrix.filled(n, 7)
    acc = Matrix.identity(n)
    for _ in range(steps):
        acc = (acc @ a).scale(1.0 / n) + Matrix.identity(n)
    print(f"trace {acc.trace():.6f}")


if __name__ == "__main__":
    main()
