"""Counts co-occurring pairs of item ids in baskets with a Counter keyed by tuples."""
import random
import sys
from collections import Counter
from itertools import combinations


def main(n_baskets, n_items):
    rng = random.Random(2)
    pairs = Counter()
    for _ in range(n_baskets):
        basket = sorted(rng.sample(range(n_items), rng.randint(2, 6)))
        for a, b in combinations(basket, 2):
            pairs[(a, b)] += 1
    print(len(pairs), pairs.most_common(3))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100000, int(sys.argv[2]) if len(sys.argv) > 2 else 2000)
