"""Shapes behind an abstract base class: areas and perimeters over a mixed
list, sorted by area, with a summary per kind."""
import argparse
import math
import random
from abc import ABC, abstractmethod


class Shape(ABC):
    @abstractmethod
    def area(self):
        ...

    @abstractmethod
    def perimeter(self):
        ...

    def ratio(self):
        return self.area() / self.perimeter()


class Circle(Shape):
    def __init__(self, r):
        self.r = r

    def area(self):
        return math.pi * self.r * self.r

    def perimeter(self):
        return 2 * math.pi * self.r


class Rect(Shape):
    def __init__(self, w, h):
        self.w = w
        self.h = h

    def area(self):
        return self.w * self.h

    def perimeter(self):
        return 2 * (self.w + self.h)


class Square(Rect):
    def __init__(self, s):
        super().__init__(s, s)


class Triangle(Shape):
    def __init__(self, a, b, c):
        self.a, self.b, self.c = a, b, c

    def perimeter(self):
        return self.a + self.b + self.c

    def area(self):
        s = self.perimeter() / 2
        return math.sqrt(max(s * (s - self.a) * (s - self.b) * (s - self.c), 0.0))


def make(rng):
    k = rng.randrange(4)
    if k == 0:
        return Circle(rng.uniform(0.5, 5))
    if k == 1:
        return Rect(rng.uniform(1, 4), rng.uniform(1, 4))
    if k == 2:
        return Square(rng.uniform(1, 4))
    a = rng.uniform(2, 4)
    return Triangle(a, a, rng.uniform(1, 3))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("rounds", type=int)
    args = ap.parse_args()
    rng = random.Random(3)
    shapes = [make(rng) for _ in range(args.n)]
    for r in range(args.rounds):
        shapes.sort(key=lambda s: s.area())
        totals = {}
        for s in shapes:
            name = type(s).__name__
            totals[name] = totals.get(name, 0.0) + s.ratio()
        print(r, {k: round(v, 1) for k, v in sorted(totals.items())})


if __name__ == "__main__":
    main()
