"""Particles in a box with a small 2-D vector class (operator overloading),
gravity, drag and wall bounces, stepped with explicit Euler."""
import math
import random
import sys


class Vec:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __add__(self, o):
        return Vec(self.x + o.x, self.y + o.y)

    def __sub__(self, o):
        return Vec(self.x - o.x, self.y - o.y)

    def __mul__(self, k):
        return Vec(self.x * k, self.y * k)

    def norm(self):
        return math.hypot(self.x, self.y)


class Particle:
    def __init__(self, pos, vel):
        self.pos = pos
        self.vel = vel

    def step(self, dt, gravity, drag):
        self.vel = self.vel + gravity * dt - self.vel * (drag * dt)
        self.pos = self.pos + self.vel * dt
        if self.pos.y < 0:
            self.pos.y = -self.pos.y
            self.vel.y = -self.vel.y * 0.9
        if self.pos.x < 0 or self.pos.x > 100:
            self.vel.x = -self.vel.x


def main(n, steps):
    rng = random.Random(2)
    ps = [Particle(Vec(rng.uniform(0, 100), rng.uniform(0, 100)),
                   Vec(rng.gauss(0, 5), rng.gauss(0, 5))) for _ in range(n)]
    g = Vec(0.0, -9.81)
    for s in range(steps):
        for p in ps:
            p.step(0.01, g, 0.05)
    energy = sum(0.5 * p.vel.norm() ** 2 + 9.81 * p.pos.y for p in ps)
    print("energy per particle", round(energy / n, 3))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000, int(sys.argv[2]) if len(sys.argv) > 2 else 100)
