"""Builds a CSV of sales in memory, parses it back line by line and writes a
per-region, per-product summary, the way a reporting script does."""
import io
import random
import sys
from collections import defaultdict

REGIONS = ["north", "south", "east", "west", "central"]


def make_csv(n, rng):
    buf = io.StringIO()
    buf.write("date,region,product,units,unit_price\n")
    for i in range(n):
        day = 1 + i % 28
        buf.write(f"2026-03-{day:02d},{rng.choice(REGIONS)},P{rng.randint(1, 300)},"
                  f"{rng.randint(1, 20)},{rng.uniform(0.5, 99.0):.2f}\n")
    return buf.getvalue()


def summarise(text):
    totals = defaultdict(float)
    units = defaultdict(int)
    lines = text.splitlines()
    header = lines[0].split(",")
    for line in lines[1:]:
        row = dict(zip(header, line.split(",")))
        key = (row["region"], row["product"])
        u = int(row["units"])
        units[key] += u
        totals[key] += u * float(row["unit_price"])
    return totals, units


def main(n):
    rng = random.Random(3)
    text = make_csv(n, rng)
    totals, units = summarise(text)
    best = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)[:10]
    for (region, product), amount in best:
        print(f"{region:8s} {product:5s} {amount:12.2f} {units[(region, product)]:6d}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100000)
