"""A sparse matrix class stored as a dict of row dicts, with matrix-vector
products by `@`, used for power iteration on a random graph."""
import random
import sys


class SparseMatrix:
    def __init__(self, n):
        self.n = n
        self.rows = {}

    def __setitem__(self, key, value):
        i, j = key
        self.rows.setdefault(i, {})[j] = value

    def __matmul__(self, vec):
        out = [0.0] * self.n
        for i, row in self.rows.items():
            s = 0.0
            for j, v in row.items():
                s += v * vec[j]
            out[i] = s
        return out

    def nnz(self):
        return sum(len(r) for r in self.rows.values())


def normalise(vec):
    norm = sum(x * x for x in vec) ** 0.5
    return [x / norm for x in vec]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    degree = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    iters = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    rng = random.Random(2)
    m = SparseMatrix(n)
    for i in range(n):
        for _ in range(degree):
            m[i, rng.randrange(n)] = rng.random()
    v = normalise([1.0] * n)
    for _ in range(iters):
        v = normalise(m @ v)
    print(m.nnz(), max(v))


if __name__ == "__main__":
    main()
