"""Discrete-event simulation of a bank with tellers: heapq of dataclass events."""
import heapq
import random
import sys
from dataclasses import dataclass, field


@dataclass(order=True)
class Event:
    time: float
    kind: int = field(compare=False)
    customer: int = field(compare=False)


class Bank:
    def __init__(self, tellers, rng):
        self.free = tellers
        self.waiting = []
        self.events = []
        self.rng = rng
        self.served = 0
        self.total_wait = 0.0
        self.arrived_at = {}

    def schedule(self, t, kind, c):
        heapq.heappush(self.events, Event(t, kind, c))

    def run(self, customers):
        t = 0.0
        for c in range(customers):
            t += self.rng.expovariate(1.0)
            self.schedule(t, 0, c)
        while self.events:
            ev = heapq.heappop(self.events)
            if ev.kind == 0:
                self.arrived_at[ev.customer] = ev.time
                if self.free > 0:
                    self.free -= 1
                    self.schedule(ev.time + self.rng.expovariate(0.3), 1, ev.customer)
                else:
                    self.waiting.append(ev.customer)
            else:
                self.served += 1
                if self.waiting:
                    c = self.waiting.pop(0)
                    self.total_wait += ev.time - self.arrived_at[c]
                    self.schedule(ev.time + self.rng.expovariate(0.3), 1, c)
                else:
                    self.free += 1


def main():
    customers = int(sys.argv[1])
    bank = Bank(4, random.Random(5))
    bank.run(customers)
    print(bank.served, round(bank.total_wait / customers, 3))


if __name__ == "__main__":
    main()
