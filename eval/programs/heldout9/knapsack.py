"""0/1 knapsack by dynamic programming over a one-dimensional table, with the
chosen items recovered from a keep table, for several random instances."""
import random
import sys


def knapsack(weights, values, capacity):
    n = len(weights)
    best = [0] * (capacity + 1)
    keep = [[False] * (capacity + 1) for _ in range(n)]
    for i in range(n):
        w, v = weights[i], values[i]
        row = keep[i]
        for c in range(capacity, w - 1, -1):
            cand = best[c - w] + v
            if cand > best[c]:
                best[c] = cand
                row[c] = True
    chosen = []
    c = capacity
    for i in range(n - 1, -1, -1):
        if keep[i][c]:
            chosen.append(i)
            c -= weights[i]
    return best[capacity], chosen


def main():
    items = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    capacity = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    instances = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    rng = random.Random(4)
    total = 0
    for _ in range(instances):
        weights = [rng.randint(1, capacity // 10) for _ in range(items)]
        values = [rng.randint(1, 1000) for _ in range(items)]
        value, chosen = knapsack(weights, values, capacity)
        total += value + len(chosen)
    print(total)


if __name__ == "__main__":
    main()
