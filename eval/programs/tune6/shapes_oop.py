"""A scene of shapes as a class hierarchy with properties, abstract
methods and __repr__; sorted by area, filtered, summarised."""
import math
import random
import sys
from abc import ABC, abstractmethod


class Shape(ABC):
    def __init__(self, x, y):
        self.x, self.y = x, y

    @property
    @abstractmethod
    def area(self):
        ...

    def moved(self, dx, dy):
        s = self.__class__.__new__(self.__class__)
        s.__dict__.update(self.__dict__)
        s.x, s.y = self.x + dx, self.y + dy
        return s

    def __repr__(self):
        return f"{type(self).__name__}({self.x:.1f}, {self.y:.1f}, area={self.area:.2f})"


class Circle(Shape):
    def __init__(self, x, y, r):
        super().__init__(x, y)
        self.r = r

    @property
    def area(self):
        return math.pi * self.r ** 2


class Rect(Shape):
    def __init__(self, x, y, w, h):
        super().__init__(x, y)
        self.w, self.h = w, h

    @property
    def area(self):
        return self.w * self.h


def main(n):
    rng = random.Random(1)
    shapes = []
    for i in range(n):
        if i % 2:
            shapes.append(Circle(rng.random(), rng.random(), rng.uniform(0.1, 2)))
        else:
            shapes.append(Rect(rng.random(), rng.random(), rng.uniform(0.1, 2), rng.uniform(0.1, 2)))
    shapes.sort(key=lambda s: s.area)
    big = [s.moved(1, 1) for s in shapes if s.area > 2.0]
    text = "\n".join(repr(s) for s in big[:20000])
    print(len(big), len(text), sum(s.area for s in shapes) / n)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200000)
