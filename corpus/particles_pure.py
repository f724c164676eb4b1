"""A pure-Python particle simulation: particles as objects in a list, pair
forces in nested loops, and a time loop in main(), as teaching and prototype
code is written before anyone vectorises it."""
import math
import random
import sys


class Particle:
    __slots__ = ("x", "y", "vx", "vy")

    def __init__(self, x, y):
        self.x = x
        self.y = y
        self.vx = 0.0
        self.vy = 0.0


def forces(ps, soft=0.05):
    fx = [0.0] * len(ps)
    fy = [0.0] * len(ps)
    for i in range(len(ps)):
        pi = ps[i]
        for j in range(i + 1, len(ps)):
            pj = ps[j]
            dx = pj.x - pi.x
            dy = pj.y - pi.y
            inv = 1.0 / math.pow(dx * dx + dy * dy + soft, 1.5)
            fx[i] += dx * inv
            fy[i] += dy * inv
            fx[j] -= dx * inv
            fy[j] -= dy * inv
    return fx, fy


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 160
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    random.seed(11)
    ps = [Particle(random.random(), random.random()) for _ in range(n)]
    dt = 1e-4
    for s in range(steps):
        fx, fy = forces(ps)
        for p, ax, ay in zip(ps, fx, fy):
            p.vx += ax * dt
            p.vy += ay * dt
            p.x += p.vx * dt
            p.y += p.vy * dt
        kinetic = sum(0.5 * (p.vx * p.vx + p.vy * p.vy) for p in ps)
        print(f"step {s}: kinetic {kinetic:.6e}")
    cx = sum(p.x for p in ps) / n
    print("centre", round(cx, 6))


main()
