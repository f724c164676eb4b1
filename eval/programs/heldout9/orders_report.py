"""Orders as dataclasses grouped by customer and month, with a sorted report
of top customers and a per-product revenue table."""
import argparse
import random
from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class Item:
    sku: str
    qty: int
    price: float


@dataclass
class Order:
    order_id: int
    customer: str
    month: int
    items: list = field(default_factory=list)

    @property
    def total(self):
        return sum(i.qty * i.price for i in self.items)


def generate(n, rng):
    skus = [f"SKU-{i:05d}" for i in range(2000)]
    prices = {s: round(rng.uniform(1, 200), 2) for s in skus}
    customers = [f"cust{i}" for i in range(n // 20 + 1)]
    orders = []
    for oid in range(n):
        o = Order(oid, rng.choice(customers), rng.randint(1, 12))
        for _ in range(rng.randint(1, 6)):
            sku = rng.choice(skus)
            o.items.append(Item(sku, rng.randint(1, 5), prices[sku]))
        orders.append(o)
    return orders


def report(orders):
    by_customer = defaultdict(float)
    by_month = defaultdict(lambda: defaultdict(float))
    by_sku = defaultdict(lambda: [0, 0.0])
    for o in orders:
        t = o.total
        by_customer[o.customer] += t
        by_month[o.customer][o.month] += t
        for it in o.items:
            acc = by_sku[it.sku]
            acc[0] += it.qty
            acc[1] += it.qty * it.price
    top = sorted(by_customer.items(), key=lambda kv: kv[1], reverse=True)[:20]
    lines = []
    for cust, total in top:
        months = by_month[cust]
        best = max(months, key=months.get)
        lines.append(f"{cust:<10} {total:>12,.2f} best month {best:>2}")
    table = sorted(by_sku.items(), key=lambda kv: -kv[1][1])
    for sku, (qty, rev) in table[:50]:
        lines.append(f"{sku} {qty:>6} {rev:>12.2f}")
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=200000)
    args = ap.parse_args()
    rng = random.Random(3)
    orders = generate(args.orders, rng)
    lines = report(orders)
    print(len(lines), lines[0])


if __name__ == "__main__":
    main()
