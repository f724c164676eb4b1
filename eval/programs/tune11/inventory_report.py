"""Inventory report: write stock movements to a CSV file in a temporary
directory, read them back, total them per category and warehouse, and print
the biggest movers. Timed with a small context manager, as scripts do."""
import argparse
import csv
import os
import random
import tempfile
import time


class Timer:
    def __init__(self, label):
        self.label = label
        self.start = 0.0

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.perf_counter() - self.start
        return False


CATEGORIES = ["tools", "paint", "garden", "lighting", "plumbing", "timber"]
WAREHOUSES = ["north", "south", "east", "west"]


def write_movements(path, n, rng):
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["sku", "category", "warehouse", "qty", "price"])
        for i in range(n):
            sku = f"SKU{rng.randrange(5000):05d}"
            writer.writerow([
                sku,
                rng.choice(CATEGORIES),
                rng.choice(WAREHOUSES),
                rng.randint(-40, 60),
                round(rng.uniform(0.5, 120.0), 2),
            ])


def read_totals(path):
    totals = {}
    by_sku = {}
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for sku, category, warehouse, qty, price in reader:
            q = int(qty)
            value = q * float(price)
            key = (category, warehouse)
            if key not in totals:
                totals[key] = [0, 0.0]
            totals[key][0] += q
            totals[key][1] += value
            by_sku[sku] = by_sku.get(sku, 0.0) + abs(value)
    return totals, by_sku


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100000)
    args = parser.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "moves.csv")
        with Timer("write") as tw:
            write_movements(path, args.rows, rng)
        with Timer("read") as tr:
            totals, by_sku = read_totals(path)
    for (category, warehouse), (qty, value) in sorted(totals.items()):
        print(f"{category:10s} {warehouse:6s} {qty:8d} {value:14.2f}")
    movers = sorted(by_sku.items(), key=lambda kv: kv[1], reverse=True)[:5]
    for sku, value in movers:
        print(sku, round(value, 2))
    print(f"write {tw.elapsed:.2f}s read {tr.elapsed:.2f}s", file=__import__("sys").stderr)


if __name__ == "__main__":
    main()
