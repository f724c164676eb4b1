"""Rolling mean, variance and z-score alerts over a stream of readings,
with a deque as the window, in plain Python."""
import math
import random
import sys
from collections import deque


class Rolling:
    def __init__(self, size):
        self.size = size
        self.window = deque()
        self.total = 0.0
        self.total_sq = 0.0

    def push(self, x):
        self.window.append(x)
        self.total += x
        self.total_sq += x * x
        if len(self.window) > self.size:
            old = self.window.popleft()
            self.total -= old
            self.total_sq -= old * old

    def stats(self):
        n = len(self.window)
        mean = self.total / n
        var = max(self.total_sq / n - mean * mean, 0.0)
        return mean, math.sqrt(var)


def main(n, size):
    rng = random.Random(9)
    r = Rolling(size)
    alerts = 0
    level = 0.0
    for i in range(n):
        level += rng.gauss(0.0, 0.1)
        x = level + rng.gauss(0.0, 1.0)
        r.push(x)
        if i >= size:
            mean, sd = r.stats()
            if sd > 0 and abs(x - mean) / sd > 3.0:
                alerts += 1
    print("alerts", alerts)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500000, int(sys.argv[2]) if len(sys.argv) > 2 else 200)
