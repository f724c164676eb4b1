"""Warehouse simulation: dataclasses, inheritance and polymorphic pricing."""
from dataclasses import dataclass, field
import random
import sys


@dataclass
class Item:
    sku: int
    price: float
    qty: int = 0

    def value(self):
        return self.price * self.qty


@dataclass
class Perishable(Item):
    days_left: int = 10

    def value(self):
        return self.price * self.qty * min(1.0, self.days_left / 10)


@dataclass
class Warehouse:
    items: dict = field(default_factory=dict)

    def receive(self, item, qty):
        item.qty += qty
        self.items[item.sku] = item

    def ship(self, sku, qty):
        it = self.items.get(sku)
        if it is None or it.qty < qty:
            return 0
        it.qty -= qty
        return qty

    def worth(self):
        return sum(i.value() for i in self.items.values())


def simulate(days, skus):
    rnd = random.Random(3)
    w = Warehouse()
    catalog = []
    for s in range(skus):
        if s % 4 == 0:
            catalog.append(Perishable(s, rnd.uniform(1, 20), days_left=rnd.randint(1, 10)))
        else:
            catalog.append(Item(s, rnd.uniform(1, 50)))
    shipped = 0
    for day in range(days):
        for it in catalog:
            w.receive(it, rnd.randint(0, 5))
        for _ in range(skus):
            shipped += w.ship(rnd.randrange(skus), rnd.randint(1, 3))
        for it in catalog:
            if isinstance(it, Perishable) and it.days_left > 0:
                it.days_left -= 1
    return shipped, round(w.worth(), 2)


if __name__ == "__main__":
    days = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    print(simulate(days, 2000))
