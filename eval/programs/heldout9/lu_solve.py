"""LU decomposition with partial pivoting on lists of lists, then solving
several right-hand sides, as a textbook port would do it."""
import random
import sys


def lu_decompose(a):
    n = len(a)
    lu = [row[:] for row in a]
    perm = list(range(n))
    for k in range(n):
        pivot = max(range(k, n), key=lambda i: abs(lu[i][k]))
        if pivot != k:
            lu[k], lu[pivot] = lu[pivot], lu[k]
            perm[k], perm[pivot] = perm[pivot], perm[k]
        pk = lu[k][k]
        for i in range(k + 1, n):
            factor = lu[i][k] / pk
            lu[i][k] = factor
            row_i = lu[i]
            row_k = lu[k]
            for j in range(k + 1, n):
                row_i[j] -= factor * row_k[j]
    return lu, perm


def lu_solve(lu, perm, b):
    n = len(lu)
    y = [0.0] * n
    for i in range(n):
        s = b[perm[i]]
        for j in range(i):
            s -= lu[i][j] * y[j]
        y[i] = s
    x = [0.0] * n
    for i in range(n - 1, -1, -1):
        s = y[i]
        for j in range(i + 1, n):
            s -= lu[i][j] * x[j]
        x[i] = s / lu[i][i]
    return x


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rhs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    rng = random.Random(1)
    a = [[rng.uniform(-1, 1) + (n if i == j else 0) for j in range(n)] for i in range(n)]
    lu, perm = lu_decompose(a)
    worst = 0.0
    for _ in range(rhs):
        b = [rng.uniform(-1, 1) for _ in range(n)]
        x = lu_solve(lu, perm, b)
        r = max(abs(sum(a[i][j] * x[j] for j in range(n)) - b[i]) for i in range(n))
        worst = max(worst, r)
    print(f"n={n} worst residual {worst:.2e}")


if __name__ == "__main__":
    main()
