"""Order records as dataclasses: filter, sort, group and summarise."""
import sys
from dataclasses import dataclass
from itertools import groupby


@dataclass
class Order:
    order_id: int
    customer: str
    region: str
    amount: float
    items: int


REGIONS = ["north", "south", "east", "west", "central"]


def generate(n):
    orders = []
    for i in range(n):
        orders.append(
            Order(i, f"c{i % 5000}", REGIONS[i % len(REGIONS)], (i * 37 % 1000) / 10.0, 1 + i % 7)
        )
    return orders


def report(orders):
    big = [o for o in orders if o.amount > 20.0]
    big.sort(key=lambda o: (o.region, o.customer))
    lines = []
    for region, group in groupby(big, key=lambda o: o.region):
        group = list(group)
        total = sum(o.amount for o in group)
        items = sum(o.items for o in group)
        lines.append(f"{region}: {len(group)} orders, {total:.1f}, {items} items")
    return lines


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 600000
    orders = generate(n)
    for line in report(orders):
        print(line)


if __name__ == "__main__":
    main()
