"""Order processing against a warehouse inventory: classes, dict lookups,
exceptions for unknown items, and an f-string audit log."""
import argparse
import random


class OutOfStock(Exception):
    pass


class Product:
    def __init__(self, sku, price, stock):
        self.sku = sku
        self.price = price
        self.stock = stock

    def take(self, qty):
        if qty > self.stock:
            raise OutOfStock(self.sku)
        self.stock -= qty
        return qty * self.price


class Warehouse:
    def __init__(self, n_products, rng):
        self.products = {}
        for i in range(n_products):
            sku = f"SKU{i:06d}"
            self.products[sku] = Product(sku, round(rng.uniform(1, 200), 2), rng.randint(0, 50))
        self.log = []

    def fulfil(self, order_id, lines):
        total = 0.0
        for sku, qty in lines:
            try:
                total += self.products[sku].take(qty)
            except KeyError:
                self.log.append(f"order {order_id}: unknown {sku}")
            except OutOfStock:
                self.log.append(f"order {order_id}: {sku} out of stock")
        return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=20000)
    ap.add_argument("--orders", type=int, default=100000)
    args = ap.parse_args()
    rng = random.Random(7)
    wh = Warehouse(args.products, rng)
    revenue = 0.0
    for oid in range(args.orders):
        lines = [(f"SKU{rng.randrange(int(args.products * 1.05)):06d}", rng.randint(1, 4))
                 for _ in range(rng.randint(1, 5))]
        revenue += wh.fulfil(oid, lines)
    print(f"revenue {revenue:.2f}, {len(wh.log)} problems")


if __name__ == "__main__":
    main()
