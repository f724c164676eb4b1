"""A line diff: two versions of a generated text compared by longest common
subsequence over their lines, with the edit script walked back."""
import random
import sys


def make_versions(rng, n):
    words = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"]
    a = [" ".join(rng.choice(words) for _ in range(5)) for _ in range(n)]
    b = []
    for line in a:
        r = rng.random()
        if r < 0.1:
            continue
        if r < 0.2:
            b.append(" ".join(rng.choice(words) for _ in range(5)))
        b.append(line)
    return a, b


def lcs_table(a, b):
    n, m = len(a), len(b)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = table[i], table[i + 1]
        for j in range(m - 1, -1, -1):
            if a[i] == b[j]:
                row[j] = below[j + 1] + 1
            else:
                row[j] = max(below[j], row[j + 1])
    return table


def edit_script(a, b, table):
    i = j = 0
    ops = []
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            ops.append(("=", a[i]))
            i += 1
            j += 1
        elif table[i + 1][j] >= table[i][j + 1]:
            ops.append(("-", a[i]))
            i += 1
        else:
            ops.append(("+", b[j]))
            j += 1
    ops.extend(("-", x) for x in a[i:])
    ops.extend(("+", x) for x in b[j:])
    return ops


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1500
    rng = random.Random(2)
    a, b = make_versions(rng, n)
    table = lcs_table(a, b)
    ops = edit_script(a, b, table)
    print(len(a), len(b), table[0][0], sum(1 for op, _ in ops if op != "="))


if __name__ == "__main__":
    main()
