"""Order lines grouped with itertools: product of options, groupby over
sorted records, running totals with accumulate, chained iterables."""
import itertools
import random
import sys
from operator import itemgetter


def main(n):
    rng = random.Random(4)
    sizes, colours = ["S", "M", "L", "XL"], ["red", "blue", "green"]
    variants = list(itertools.product(sizes, colours))
    orders = [(rng.choice(variants), rng.randint(1, 5), round(rng.uniform(5, 50), 2)) for _ in range(n)]
    orders.sort(key=itemgetter(0))
    totals = {}
    for variant, group in itertools.groupby(orders, key=itemgetter(0)):
        qty = sum(q for _, q, _ in group)
        totals[variant] = qty
    running = list(itertools.accumulate(p * q for _, q, p in orders))
    merged = list(itertools.chain.from_iterable([o[0]] * o[1] for o in orders[:1000]))
    print(len(totals), round(running[-1], 2), len(merged))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300000)
