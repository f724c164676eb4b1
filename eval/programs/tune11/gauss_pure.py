"""Solve dense linear systems by Gaussian elimination with partial pivoting
on lists of lists, then check the residual, as a numerical-methods course
script does without numpy."""
import random
import sys


def make_system(n, rng):
    a = [[rng.uniform(-1.0, 1.0) for _ in range(n)] for _ in range(n)]
    for i in range(n):
        a[i][i] += n
    x = [rng.uniform(-5.0, 5.0) for _ in range(n)]
    b = [sum(a[i][j] * x[j] for j in range(n)) for i in range(n)]
    return a, b, x


def solve(a, b):
    n = len(a)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        if pivot != col:
            m[col], m[pivot] = m[pivot], m[col]
        p = m[col][col]
        for r in range(col + 1, n):
            f = m[r][col] / p
            if f == 0.0:
                continue
            row_r = m[r]
            row_c = m[col]
            for c in range(col, n + 1):
                row_r[c] -= f * row_c[c]
    x = [0.0] * n
    for i in range(n - 1, -1, -1):
        s = m[i][n]
        for j in range(i + 1, n):
            s -= m[i][j] * x[j]
        x[i] = s / m[i][i]
    return x


def main(n, systems):
    rng = random.Random(3)
    worst = 0.0
    for _ in range(systems):
        a, b, x_true = make_system(n, rng)
        x = solve(a, b)
        err = max(abs(u - v) for u, v in zip(x, x_true))
        worst = max(worst, err)
    print(f"worst error {worst:.2e}")


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
