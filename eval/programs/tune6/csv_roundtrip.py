"""Writes a table with csv.writer into a StringIO, reads it back with
csv.DictReader, converts fields and aggregates by a column."""
import csv
import io
import random
import sys
from collections import defaultdict


def main(n):
    rng = random.Random(2)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "city", "amount", "qty"])
    cities = ["Oslo", "Lima", "Pune", "Kyiv", "Perth", "Quito"]
    for i in range(n):
        w.writerow([i, rng.choice(cities), f"{rng.uniform(1, 500):.2f}", rng.randint(1, 9)])
    buf.seek(0)
    by_city = defaultdict(float)
    count = 0
    for row in csv.DictReader(buf):
        by_city[row["city"]] += float(row["amount"]) * int(row["qty"])
        count += 1
    print(count, {k: round(v) for k, v in sorted(by_city.items())})


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200000)
