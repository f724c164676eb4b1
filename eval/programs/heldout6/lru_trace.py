"""Replays a skewed request trace through an LRU cache built on OrderedDict
and reports the hit ratio per cache size."""
import argparse
import random
from collections import OrderedDict


class LRUCache:
    def __init__(self, capacity):
        self.capacity = capacity
        self.store = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key):
        if key in self.store:
            self.store.move_to_end(key)
            self.hits += 1
            return self.store[key]
        self.misses += 1
        value = "v%d" % key
        self.store[key] = value
        if len(self.store) > self.capacity:
            self.store.popitem(last=False)
        return value

    def ratio(self):
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


def make_trace(n, universe, seed):
    rng = random.Random(seed)
    trace = []
    for _ in range(n):
        # A few hot keys and a long tail.
        if rng.random() < 0.6:
            trace.append(rng.randrange(universe // 100))
        else:
            trace.append(rng.randrange(universe))
    return trace


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--requests", type=int, default=400000)
    p.add_argument("--universe", type=int, default=200000)
    args = p.parse_args()
    trace = make_trace(args.requests, args.universe, 3)
    for cap in (1000, 10000, 50000):
        cache = LRUCache(cap)
        for key in trace:
            cache.get(key)
        print(cap, round(cache.ratio(), 4))


if __name__ == "__main__":
    main()
