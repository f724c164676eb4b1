"""Longest Collatz chains below N with a memo dict, while loops whose trip
counts depend on the data."""
import sys


def chain_length(n, memo):
    path = []
    while n not in memo:
        path.append(n)
        n = n // 2 if n % 2 == 0 else 3 * n + 1
    length = memo[n]
    for v in reversed(path):
        length += 1
        memo[v] = length
    return length


def main():
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 300000
    memo = {1: 1}
    best, best_n = 0, 1
    for n in range(1, limit):
        c = chain_length(n, memo)
        if c > best:
            best, best_n = c, n
    print("longest", best_n, best, "memo", len(memo))


if __name__ == "__main__":
    main()
