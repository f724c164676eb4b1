"""Particles under gravity with a small Vec2 class and operator overloading."""
import math
import sys


class Vec2:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __add__(self, o):
        return Vec2(self.x + o.x, self.y + o.y)

    def __mul__(self, k):
        return Vec2(self.x * k, self.y * k)

    def norm(self):
        return math.hypot(self.x, self.y)


class Particle:
    def __init__(self, i):
        self.pos = Vec2(math.cos(i), math.sin(i))
        self.vel = Vec2(0.0, 0.0)

    def step(self, dt, g):
        self.vel = self.vel + g * dt
        self.pos = self.pos + self.vel * dt
        if self.pos.y < -10.0:
            self.vel = Vec2(self.vel.x, -self.vel.y * 0.9)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    ps = [Particle(i) for i in range(n)]
    g = Vec2(0.0, -9.81)
    for _ in range(steps):
        for p in ps:
            p.step(0.01, g)
    print(round(sum(p.pos.norm() for p in ps), 3))


if __name__ == "__main__":
    main()
