"""Writes sales records to a CSV file in a temporary directory, reads them
back with csv.DictReader, and reports per-region and per-month statistics."""
import csv
import os
import random
import statistics
import sys
import tempfile

REGIONS = ["north", "south", "east", "west", "central"]


def write_sales(path, n, rng):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "region", "month", "units", "price"])
        for i in range(n):
            w.writerow([i, rng.choice(REGIONS), rng.randint(1, 12),
                        rng.randint(1, 50), round(rng.uniform(2.0, 80.0), 2)])


def summarise(path):
    by_region = {}
    by_month = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            revenue = int(row["units"]) * float(row["price"])
            by_region.setdefault(row["region"], []).append(revenue)
            m = int(row["month"])
            by_month[m] = by_month.get(m, 0.0) + revenue
    return by_region, by_month


def main(n):
    rng = random.Random(17)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "sales.csv")
        write_sales(path, n, rng)
        by_region, by_month = summarise(path)
    for region in sorted(by_region):
        vals = by_region[region]
        print(region, len(vals), round(statistics.mean(vals), 2), round(statistics.median(vals), 2))
    best = max(by_month, key=by_month.get)
    print("best month", best)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300000)
