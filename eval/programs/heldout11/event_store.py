"""Event sourcing: orders as aggregates rebuilt from an event log, with periodic snapshots."""
import argparse
import copy
import random
from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    CREATED = 1
    ITEM_ADDED = 2
    ITEM_REMOVED = 3
    PAID = 4
    SHIPPED = 5


@dataclass(frozen=True)
class Event:
    order_id: int
    seq: int
    kind: Kind
    payload: tuple = ()


@dataclass
class Order:
    order_id: int
    items: dict = field(default_factory=dict)
    status: str = "new"
    version: int = 0

    def apply(self, event):
        if event.kind is Kind.CREATED:
            self.status = "open"
        elif event.kind is Kind.ITEM_ADDED:
            sku, qty = event.payload
            self.items[sku] = self.items.get(sku, 0) + qty
        elif event.kind is Kind.ITEM_REMOVED:
            sku, qty = event.payload
            left = self.items.get(sku, 0) - qty
            if left > 0:
                self.items[sku] = left
            else:
                self.items.pop(sku, None)
        elif event.kind is Kind.PAID:
            self.status = "paid"
        elif event.kind is Kind.SHIPPED:
            self.status = "shipped"
        self.version = event.seq


class EventStore:
    def __init__(self, snapshot_every):
        self.log = []
        self.by_order = {}
        self.snapshots = {}
        self.snapshot_every = snapshot_every

    def append(self, event):
        self.log.append(event)
        self.by_order.setdefault(event.order_id, []).append(event)

    def load(self, order_id):
        snap = self.snapshots.get(order_id)
        order = copy.deepcopy(snap) if snap else Order(order_id)
        for event in self.by_order.get(order_id, ()):
            if event.seq > order.version:
                order.apply(event)
        if len(self.by_order.get(order_id, ())) - (snap.version if snap else 0) > self.snapshot_every:
            self.snapshots[order_id] = copy.deepcopy(order)
        return order


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--orders", type=int, default=4000)
    p.add_argument("--events", type=int, default=150000)
    p.add_argument("--reads", type=int, default=20000)
    args = p.parse_args()
    rng = random.Random(9)
    store = EventStore(snapshot_every=20)
    seqs = {}
    for oid in range(args.orders):
        seqs[oid] = 1
        store.append(Event(oid, 1, Kind.CREATED))
    kinds = [Kind.ITEM_ADDED] * 6 + [Kind.ITEM_REMOVED] * 2 + [Kind.PAID, Kind.SHIPPED]
    for _ in range(args.events):
        oid = rng.randrange(args.orders)
        seqs[oid] += 1
        kind = rng.choice(kinds)
        payload = ("sku%d" % rng.randrange(50), rng.randint(1, 4)) if kind in (Kind.ITEM_ADDED, Kind.ITEM_REMOVED) else ()
        store.append(Event(oid, seqs[oid], kind, payload))
    shipped = 0
    items = 0
    for _ in range(args.reads):
        order = store.load(rng.randrange(args.orders))
        shipped += order.status == "shipped"
        items += sum(order.items.values())
    print("events", len(store.log), "snapshots", len(store.snapshots), "shipped", shipped, "items", items)


if __name__ == "__main__":
    main()
