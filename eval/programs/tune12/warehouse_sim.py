"""Discrete-event simulation of a warehouse: orders arrive at random, pickers
serve them from a heap of events, and the run reports waiting times."""
import heapq
import random
import statistics
import sys
from dataclasses import dataclass, field


@dataclass(order=True)
class Event:
    time: float
    kind: str = field(compare=False)
    order_id: int = field(compare=False)


class Warehouse:
    def __init__(self, pickers, rate, seed):
        self.rng = random.Random(seed)
        self.free = pickers
        self.rate = rate
        self.now = 0.0
        self.events = []
        self.waiting = []
        self.arrived = {}
        self.waits = []
        self.next_id = 0

    def schedule(self, delay, kind, order_id):
        heapq.heappush(self.events, Event(self.now + delay, kind, order_id))

    def arrive(self, order_id):
        self.arrived[order_id] = self.now
        self.next_id += 1
        self.schedule(self.rng.expovariate(self.rate), "arrive", self.next_id)
        if self.free:
            self.start(order_id)
        else:
            self.waiting.append(order_id)

    def start(self, order_id):
        self.free -= 1
        self.waits.append(self.now - self.arrived.pop(order_id))
        items = self.rng.randint(1, 12)
        self.schedule(sum(self.rng.uniform(0.5, 2.0) for _ in range(items)), "done", order_id)

    def done(self, order_id):
        self.free += 1
        if self.waiting:
            self.start(self.waiting.pop(0))

    def run(self, horizon):
        self.schedule(0.0, "arrive", 0)
        handled = 0
        while self.events and self.now < horizon:
            ev = heapq.heappop(self.events)
            self.now = ev.time
            if ev.kind == "arrive":
                self.arrive(ev.order_id)
            else:
                self.done(ev.order_id)
            handled += 1
        return handled


def main():
    horizon = float(sys.argv[1]) if len(sys.argv) > 1 else 20000.0
    pickers = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    wh = Warehouse(pickers, rate=1.0, seed=3)
    handled = wh.run(horizon)
    print(handled, len(wh.waiting), round(statistics.mean(wh.waits), 3), round(max(wh.waits), 3))


if __name__ == "__main__":
    main()
