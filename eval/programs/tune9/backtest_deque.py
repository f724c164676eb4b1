"""A moving-average crossover backtest over generated price bars: bars are
namedtuples, the windows deques with a maximum length."""
import random
from collections import deque, namedtuple

Bar = namedtuple("Bar", "day open high low close volume")
Trade = namedtuple("Trade", ["day", "side", "price"])


def bars(rng, n):
    price = 100.0
    out = []
    for day in range(n):
        o = price
        price *= 1.0 + rng.gauss(0.0, 0.01)
        hi = max(o, price) * (1 + rng.random() * 0.005)
        lo = min(o, price) * (1 - rng.random() * 0.005)
        out.append(Bar(day, o, hi, lo, price, rng.randint(1000, 9000)))
    return out


def backtest(series, fast_n, slow_n):
    fast, slow = deque(maxlen=fast_n), deque(maxlen=slow_n)
    trades = []
    holding = False
    for bar in series:
        fast.append(bar.close)
        slow.append(bar.close)
        if len(slow) < slow_n:
            continue
        f = sum(fast) / len(fast)
        s = sum(slow) / len(slow)
        if f > s and not holding:
            trades.append(Trade(bar.day, "buy", bar.close))
            holding = True
        elif f < s and holding:
            trades.append(Trade(bar.day, "sell", bar.close))
            holding = False
    return trades


rng = random.Random(11)
series = bars(rng, 200000)
best = None
for fast_n, slow_n in [(5, 20), (10, 30), (20, 50)]:
    trades = backtest(series, fast_n, slow_n)
    pnl = sum(t.price if t.side == "sell" else -t.price for t in trades)
    if best is None or pnl > best[0]:
        best = (pnl, fast_n, slow_n, len(trades))
print(best)
