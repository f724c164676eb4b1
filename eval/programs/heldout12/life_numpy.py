"""Conway's game of life on a numpy grid with np.roll, run until it settles or a step limit."""
import sys

import numpy as np


def step(grid):
    n = sum(np.roll(np.roll(grid, dy, axis=0), dx, axis=1)
            for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0))
    return ((n == 3) | ((grid == 1) & (n == 2))).astype(np.uint8)


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 150
    rng = np.random.default_rng(8)
    grid = (rng.random((size, size)) < 0.3).astype(np.uint8)
    history = []
    generation = 0
    while generation < limit:
        grid = step(grid)
        generation += 1
        alive = int(grid.sum())
        history.append(alive)
        if len(history) > 10 and len(set(history[-10:])) == 1:
            break
    print("generations", generation, "alive", history[-1], "peak", max(history))


if __name__ == "__main__":
    main()
