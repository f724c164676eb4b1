"""An agent-based market: traders of three kinds (subclasses with their own
decide method) quote prices each round; the book is matched by sorting."""
import random
import sys


class Trader:
    def __init__(self, rng, cash):
        self.rng = rng
        self.cash = cash
        self.stock = 10

    def decide(self, price):
        raise NotImplementedError


class Random(Trader):
    def decide(self, price):
        return price * self.rng.uniform(0.95, 1.05), self.rng.choice((-1, 1))


class Trend(Trader):
    def __init__(self, rng, cash):
        super().__init__(rng, cash)
        self.last = None

    def decide(self, price):
        side = 1 if self.last is None or price >= self.last else -1
        self.last = price
        return price * (1.01 if side > 0 else 0.99), side


class Value(Trader):
    fair = 100.0

    def decide(self, price):
        side = 1 if price < self.fair else -1
        return (price + self.fair) / 2, side


def main(n_traders, rounds):
    rng = random.Random(12)
    kinds = [Random, Trend, Value]
    traders = [kinds[i % 3](rng, 1000.0) for i in range(n_traders)]
    price = 100.0
    for _ in range(rounds):
        bids = []
        asks = []
        for t in traders:
            p, side = t.decide(price)
            (bids if side > 0 else asks).append((p, t))
        bids.sort(key=lambda x: -x[0])
        asks.sort(key=lambda x: x[0])
        trades = 0
        for (bp, b), (ap, a) in zip(bids, asks):
            if bp < ap:
                break
            mid = (bp + ap) / 2
            b.cash -= mid
            b.stock += 1
            a.cash += mid
            a.stock -= 1
            price = mid
            trades += 1
    print(round(price, 3), trades)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000, int(sys.argv[2]) if len(sys.argv) > 2 else 200)
