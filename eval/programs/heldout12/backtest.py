"""Backtest a moving-average crossover strategy on simulated prices, pure Python with deques."""
import math
import random
from collections import deque, namedtuple

Trade = namedtuple("Trade", "day side price qty")


class MovingAverage:
    def __init__(self, window):
        self.window = window
        self.values = deque()
        self.total = 0.0

    def push(self, x):
        self.values.append(x)
        self.total += x
        if len(self.values) > self.window:
            self.total -= self.values.popleft()
        return self.total / len(self.values)


class Portfolio:
    def __init__(self, cash):
        self.cash = cash
        self.position = 0
        self.trades = []

    def buy(self, day, price):
        qty = int(self.cash // price)
        if qty:
            self.cash -= qty * price
            self.position += qty
            self.trades.append(Trade(day, "buy", price, qty))

    def sell(self, day, price):
        if self.position:
            self.cash += self.position * price
            self.trades.append(Trade(day, "sell", price, self.position))
            self.position = 0

    def value(self, price):
        return self.cash + self.position * price


def simulate_prices(rng, days, start=100.0):
    prices = [start]
    for _ in range(days - 1):
        prices.append(prices[-1] * math.exp(rng.gauss(0.0002, 0.01)))
    return prices


def run(prices, fast, slow):
    f, s = MovingAverage(fast), MovingAverage(slow)
    pf = Portfolio(10000.0)
    above = None
    for day, p in enumerate(prices):
        now_above = f.push(p) > s.push(p)
        if above is not None and now_above != above:
            (pf.buy if now_above else pf.sell)(day, p)
        above = now_above
    return pf.value(prices[-1]), len(pf.trades)


def main():
    rng = random.Random(12)
    prices = simulate_prices(rng, 150000)
    results = []
    for fast in range(5, 30, 5):
        for slow in range(40, 200, 40):
            value, trades = run(prices, fast, slow)
            results.append((value, fast, slow, trades))
    results.sort(reverse=True)
    print("best", [(round(v), f, s, t) for v, f, s, t in results[:3]])


if __name__ == "__main__":
    main()
