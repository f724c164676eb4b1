"""Matrix-chain multiplication order by dynamic programming, and the optimal
parenthesisation rebuilt from the split table, for several random chains."""
import random
import sys


def chain_order(dims):
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(2, n + 1):
        for i in range(n - length + 1):
            j = i + length - 1
            best = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if best is None or c < best:
                    best = c
                    split[i][j] = k
            cost[i][j] = best
    return cost[0][n - 1], split


def paren(split, i, j):
    if i == j:
        return "A%d" % i
    k = split[i][j]
    return "(" + paren(split, i, k) + paren(split, k + 1, j) + ")"


def main(n, chains):
    rng = random.Random(8)
    for c in range(chains):
        dims = [rng.randint(5, 100) for _ in range(n + 1)]
        best, split = chain_order(dims)
        print(c, best, len(paren(split, 0, n - 1)))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 220, int(sys.argv[2]) if len(sys.argv) > 2 else 3)
