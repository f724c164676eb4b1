"""Power iteration on a random sparse matrix kept in CSR lists (pure Python)."""
import random
import sys


def random_csr(n, per_row, seed):
    rng = random.Random(seed)
    indptr = [0]
    indices = []
    data = []
    for i in range(n):
        cols = sorted(rng.sample(range(n), per_row))
        indices.extend(cols)
        data.extend(rng.random() for _ in cols)
        indptr.append(len(indices))
    return indptr, indices, data


def matvec(indptr, indices, data, x):
    y = [0.0] * len(x)
    for i in range(len(x)):
        s = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            s += data[k] * x[indices[k]]
        y[i] = s
    return y


def normalise(v):
    norm = sum(t * t for t in v) ** 0.5
    return [t / norm for t in v]


def main():
    n = int(sys.argv[1])
    iters = int(sys.argv[2])
    indptr, indices, data = random_csr(n, 8, 7)
    x = normalise([1.0] * n)
    for _ in range(iters):
        x = normalise(matvec(indptr, indices, data, x))
    print(round(sum(x), 6))


if __name__ == "__main__":
    main()
