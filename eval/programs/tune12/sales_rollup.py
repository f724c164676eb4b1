"""Sales records as named tuples, grouped by region and month with
defaultdicts, then ranked and summarised with the statistics module."""
import argparse
import random
import statistics
from collections import defaultdict, namedtuple

Sale = namedtuple("Sale", "region product month units price")

REGIONS = ["north", "south", "east", "west", "central"]
PRODUCTS = [f"p{i:03d}" for i in range(120)]


def make_sales(n, seed):
    rng = random.Random(seed)
    return [
        Sale(rng.choice(REGIONS), rng.choice(PRODUCTS), rng.randint(1, 12), rng.randint(1, 20), round(rng.uniform(2, 90), 2))
        for _ in range(n)
    ]


def rollup(sales):
    by_region_month = defaultdict(float)
    by_product = defaultdict(list)
    for s in sales:
        revenue = s.units * s.price
        by_region_month[(s.region, s.month)] += revenue
        by_product[s.product].append(revenue)
    return by_region_month, by_product


def report(by_region_month, by_product):
    best_month = {}
    for (region, month), total in by_region_month.items():
        if total > best_month.get(region, (0, 0))[1]:
            best_month[region] = (month, total)
    ranked = sorted(by_product.items(), key=lambda kv: sum(kv[1]), reverse=True)
    medians = {p: statistics.median(v) for p, v in ranked[:20]}
    spread = statistics.pstdev([sum(v) for _, v in ranked])
    return best_month, medians, spread


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    sales = make_sales(args.rows, args.seed)
    best, medians, spread = report(*rollup(sales))
    print(len(best), len(medians), round(spread, 1))


if __name__ == "__main__":
    main()
