"""Explicit time stepping of the 2-D heat equation on a square plate, written
as a simulation script: a main() with its parameters, a while loop over
simulated time, and a report every few steps."""
import sys

import numpy as np


def initial_plate(n):
    u = np.zeros((n, n))
    u[n // 4 : n // 2, n // 4 : n // 2] = 100.0
    u[0, :] = 50.0
    return u


def step(u, alpha):
    lap = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4.0 * u[1:-1, 1:-1]
    u[1:-1, 1:-1] += alpha * lap


def main(argv):
    n = int(argv[1]) if len(argv) > 1 else 512
    t_end = float(argv[2]) if len(argv) > 2 else 2.0
    dt = 0.01
    alpha = 0.2
    u = initial_plate(n)
    t = 0.0
    steps = 0
    while t < t_end:
        step(u, alpha)
        t += dt
        steps += 1
        if steps % 50 == 0:
            print(f"t={t:.2f} mean={u.mean():.6f} max={u.max():.4f}")
    print("steps", steps, "energy", round(float((u * u).sum()), 3))


if __name__ == "__main__":
    main(sys.argv)
