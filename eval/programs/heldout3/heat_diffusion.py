"""2-D heat diffusion with NumPy slicing, checkpointing the field every few steps."""
import argparse

import numpy as np


def step(u, alpha):
    lap = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4 * u[1:-1, 1:-1]
    u[1:-1, 1:-1] += alpha * lap
    return u


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=1500)
    p.add_argument("--steps", type=int, default=300)
    args = p.parse_args()
    u = np.zeros((args.n, args.n))
    u[args.n // 4: args.n // 2, args.n // 4: args.n // 2] = 100.0
    snapshots = []
    for t in range(args.steps):
        step(u, 0.2)
        if t % 50 == 0:
            snapshots.append(u.copy())
    print(len(snapshots), float(u.sum()), float(u.max()))


if __name__ == "__main__":
    main()
