"""Comprehension-heavy data wrangling: nested list comprehensions, dict and
set comprehensions, zip and enumerate over columns."""
import random
import sys


def main(n, m):
    rng = random.Random(14)
    cols = [[rng.randint(0, 1000) for _ in range(n)] for _ in range(m)]
    rows = [list(r) for r in zip(*cols)]
    sums = [sum(r) for r in rows]
    index = {i: s for i, s in enumerate(sums) if s % 2 == 0}
    distinct = {v for col in cols for v in col if v > 900}
    pairs = [(a, b) for a, b in zip(cols[0], cols[1]) if a < b]
    norm = [[x / (s or 1) for x in r] for r, s in zip(rows, sums)]
    print(len(index), len(distinct), len(pairs), round(sum(norm[0]), 3))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200000, int(sys.argv[2]) if len(sys.argv) > 2 else 8)
