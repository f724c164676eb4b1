"""A small CPU phase, then a memory spike far larger than the rest, then a
small tail: the shape the planner moves a job for before the spike."""
import sys

import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 40_000_000
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 200
small = np.arange(1_000_000, dtype=np.float64)
acc = 0.0
for _ in range(rounds):
    acc += float(np.sin(small).sum())
big = np.ones(n) * 2.0
total = float(big.sum())
del big
print(round(acc, 3), total)
