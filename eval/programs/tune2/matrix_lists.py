"""A matrix class over lists of lists with operator overloading and a class-method constructor."""
import sys, random

class Matrix:
    def __init__(self, rows):
        self.rows = rows
        self.n = len(rows)
        self.m = len(rows[0])
    @classmethod
    def random(cls, n, m, rng):
        return cls([[rng.random() for _ in range(m)] for _ in range(n)])
    def __matmul__(self, other):
        cols = list(zip(*other.rows))
        return Matrix([[sum(a * b for a, b in zip(row, col)) for col in cols] for row in self.rows])
    def __add__(self, other):
        return Matrix([[a + b for a, b in zip(r1, r2)] for r1, r2 in zip(self.rows, other.rows)])
    def transpose(self):
        return Matrix([list(c) for c in zip(*self.rows)])
    def trace(self):
        return sum(self.rows[i][i] for i in range(min(self.n, self.m)))

def main(n, reps):
    rng = random.Random(0)
    a = Matrix.random(n, n, rng)
    b = Matrix.random(n, n, rng)
    acc = a
    for _ in range(reps):
        acc = (acc @ b) + a.transpose()
    print(acc.trace())

if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
