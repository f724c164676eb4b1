"""A warehouse simulation: items as dataclasses, daily random demand,
reorder when stock falls below a threshold, deliveries arrive after a lead
time. Reports stock-outs and holding cost."""
import random
import sys
from dataclasses import dataclass, field


@dataclass
class Item:
    sku: str
    stock: int
    reorder_at: int
    reorder_qty: int
    lead_days: int
    pending: list = field(default_factory=list)
    stockouts: int = 0

    def receive(self, day):
        arrived = [q for d, q in self.pending if d == day]
        if arrived:
            self.stock += sum(arrived)
            self.pending = [(d, q) for d, q in self.pending if d != day]

    def demand(self, qty):
        if qty > self.stock:
            self.stockouts += 1
            self.stock = 0
        else:
            self.stock -= qty

    def maybe_reorder(self, day):
        if self.stock < self.reorder_at and not self.pending:
            self.pending.append((day + self.lead_days, self.reorder_qty))


class Warehouse:
    def __init__(self, n_items, rng):
        self.items = {}
        for i in range(n_items):
            sku = f"SKU{i:05d}"
            self.items[sku] = Item(sku, rng.randint(20, 100), rng.randint(10, 30), rng.randint(50, 150), rng.randint(1, 7))
        self.rng = rng
        self.holding = 0.0

    def day(self, d):
        for item in self.items.values():
            item.receive(d)
            item.demand(int(self.rng.expovariate(1 / 8)))
            item.maybe_reorder(d)
            self.holding += item.stock * 0.01


def main():
    n_items = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    days = int(sys.argv[2]) if len(sys.argv) > 2 else 365
    w = Warehouse(n_items, random.Random(12))
    for d in range(days):
        w.day(d)
    outs = sum(i.stockouts for i in w.items.values())
    print("stock-outs", outs, "holding", round(w.holding, 2))


if __name__ == "__main__":
    main()
