"""Phases with very different memory needs: a spike of temporaries, then a small tail."""
import argparse

import numpy as np

parser = argparse.ArgumentParser(description="memory phases")
parser.add_argument("rows", type=int)
parser.add_argument("--cols", type=int, default=2048)
parser.add_argument("--dtype", default="float64")
opts = parser.parse_args()

grid = np.fromfunction(lambda i, j: i * 0.5 + j, (opts.rows, opts.cols), dtype=opts.dtype)
spike = np.sqrt(grid ** 2 + grid * 3.0 + 1.0)
stacked = np.concatenate([grid, spike], axis=0)
del grid, spike
small = stacked[:10].copy()
del stacked
total = small.sum()
print(total)
