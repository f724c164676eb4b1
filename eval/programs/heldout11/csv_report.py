"""Generate sales rows as CSV text, parse them with csv.DictReader, aggregate per region and month."""
import csv
import io
import random
import statistics
import sys
from collections import defaultdict


def generate(rows, rng):
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["date", "region", "product", "units", "price"])
    regions = ["north", "south", "east", "west", "central"]
    for i in range(rows):
        month = rng.randint(1, 12)
        day = rng.randint(1, 28)
        w.writerow(["2026-%02d-%02d" % (month, day), rng.choice(regions), "p%03d" % rng.randrange(300),
                    rng.randint(1, 20), "%.2f" % rng.uniform(1, 99)])
    return out.getvalue()


def summarize(text):
    revenue = defaultdict(float)
    units = defaultdict(list)
    products = defaultdict(set)
    for row in csv.DictReader(io.StringIO(text)):
        key = (row["region"], row["date"][:7])
        amount = int(row["units"]) * float(row["price"])
        revenue[key] += amount
        units[key].append(int(row["units"]))
        products[row["region"]].add(row["product"])
    report = []
    for key in sorted(revenue):
        report.append((key, round(revenue[key], 2), statistics.median(units[key]), len(units[key])))
    return report, {r: len(p) for r, p in products.items()}


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 300000
    text = generate(rows, random.Random(4))
    report, products = summarize(text)
    best = max(report, key=lambda r: r[1])
    print(len(report), "groups; best", best, products)


if __name__ == "__main__":
    main()
