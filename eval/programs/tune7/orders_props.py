"""Orders of line items with properties, discounts chosen by isinstance,
totals summed through generators, a report per customer."""
import argparse
import random
from collections import defaultdict


class Item:
    def __init__(self, sku, price, qty):
        self.sku = sku
        self.price = price
        self.qty = qty

    @property
    def total(self):
        return self.price * self.qty


class Discounted(Item):
    def __init__(self, sku, price, qty, pct):
        super().__init__(sku, price, qty)
        self.pct = pct

    @property
    def total(self):
        return super().total * (1 - self.pct)


class Order:
    def __init__(self, oid, customer):
        self.oid = oid
        self.customer = customer
        self.items = []

    def add(self, item):
        self.items.append(item)

    @property
    def total(self):
        return sum(i.total for i in self.items)

    def discount_share(self):
        n = sum(1 for i in self.items if isinstance(i, Discounted))
        return n / len(self.items) if self.items else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=60000)
    ap.add_argument("--customers", type=int, default=500)
    args = ap.parse_args()
    rng = random.Random(4)
    orders = []
    for oid in range(args.orders):
        o = Order(oid, rng.randrange(args.customers))
        for _ in range(rng.randint(1, 8)):
            if rng.random() < 0.3:
                o.add(Discounted(rng.randrange(1000), rng.uniform(1, 50), rng.randint(1, 5), 0.1))
            else:
                o.add(Item(rng.randrange(1000), rng.uniform(1, 50), rng.randint(1, 5)))
        orders.append(o)
    per_customer = defaultdict(float)
    shares = 0.0
    for o in orders:
        per_customer[o.customer] += o.total
        shares += o.discount_share()
    top = sorted(per_customer.items(), key=lambda kv: -kv[1])[:5]
    print(top, round(shares / len(orders), 3))


if __name__ == "__main__":
    main()
