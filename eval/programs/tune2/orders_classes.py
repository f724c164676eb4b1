"""Orders as class instances with item lists, a per-customer report and rows as dicts."""
import random, sys
from collections import defaultdict

class Order:
    def __init__(self, oid, customer, amount, items):
        self.oid = oid
        self.customer = customer
        self.amount = amount
        self.items = items

def make_orders(n, rng):
    customers = [f"cust{i:05d}" for i in range(5000)]
    out = []
    for i in range(n):
        items = [rng.randint(1, 500) for _ in range(rng.randint(1, 5))]
        out.append(Order(i, rng.choice(customers), round(rng.uniform(1, 300), 2), items))
    return out

def report(orders):
    by_cust = defaultdict(float)
    counts = defaultdict(int)
    for o in orders:
        by_cust[o.customer] += o.amount
        counts[len(o.items)] += 1
    top = sorted(by_cust.items(), key=lambda kv: kv[1], reverse=True)[:10]
    return top, counts

def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300000
    rng = random.Random(7)
    orders = make_orders(n, rng)
    top, counts = report(orders)
    rows = [{"id": o.oid, "cust": o.customer, "amt": o.amount} for o in orders]
    print(len(rows), top[0], dict(counts))

if __name__ == "__main__":
    main()
