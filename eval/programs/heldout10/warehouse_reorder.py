"""Warehouse inventory simulation: products with reorder policies, daily orders."""
import argparse
import random
from dataclasses import dataclass, field


@dataclass
class Product:
    sku: str
    price: float
    stock: int
    reorder_point: int
    reorder_qty: int
    lead_days: int

    def needs_reorder(self):
        return self.stock <= self.reorder_point


@dataclass
class PurchaseOrder:
    sku: str
    qty: int
    due_day: int


@dataclass
class Warehouse:
    products: dict = field(default_factory=dict)
    pending: list = field(default_factory=list)
    lost_sales: int = 0
    revenue: float = 0.0

    def add(self, product):
        self.products[product.sku] = product

    def receive(self, day):
        still = []
        for po in self.pending:
            if po.due_day <= day:
                self.products[po.sku].stock += po.qty
            else:
                still.append(po)
        self.pending = still

    def sell(self, sku, qty):
        p = self.products[sku]
        if p.stock >= qty:
            p.stock -= qty
            self.revenue += qty * p.price
            return True
        self.lost_sales += qty
        return False

    def reorder(self, day):
        on_order = {po.sku for po in self.pending}
        for p in self.products.values():
            if p.needs_reorder() and p.sku not in on_order:
                self.pending.append(PurchaseOrder(p.sku, p.reorder_qty, day + p.lead_days))


def build(n_products, rng):
    wh = Warehouse()
    for i in range(n_products):
        wh.add(Product(f"SKU{i:05d}", round(rng.uniform(1, 100), 2), rng.randint(20, 200),
                       rng.randint(10, 40), rng.randint(50, 300), rng.randint(1, 7)))
    return wh


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=2000)
    ap.add_argument("--days", type=int, default=120)
    ap.add_argument("--orders-per-day", type=int, default=3000)
    args = ap.parse_args()
    rng = random.Random(7)
    wh = build(args.products, rng)
    skus = list(wh.products)
    filled = 0
    for day in range(args.days):
        wh.receive(day)
        for _ in range(args.orders_per_day):
            if wh.sell(rng.choice(skus), rng.randint(1, 5)):
                filled += 1
        wh.reorder(day)
    print(f"filled={filled} lost={wh.lost_sales} revenue={wh.revenue:.2f} pending={len(wh.pending)}")


if __name__ == "__main__":
    main()
