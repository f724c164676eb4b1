"""Dataclass particles with histories, and polygons built through super().__init__."""
import sys
from dataclasses import dataclass, field

@dataclass
class Particle:
    x: float
    y: float
    vx: float = 0.0
    vy: float = 0.0
    history: list = field(default_factory=list)

    def step(self, dt):
        self.x += self.vx * dt
        self.y += self.vy * dt
        self.history.append((self.x, self.y))

class Shape:
    def __init__(self, name):
        self.name = name
        self.points = []
    def area(self):
        return 0.0

class Poly(Shape):
    def __init__(self, name, n):
        super().__init__(name)
        for i in range(n):
            self.points.append((float(i), float(i * i)))
    def area(self):
        s = 0.0
        for (x1, y1), (x2, y2) in zip(self.points, self.points[1:]):
            s += x1 * y2 - x2 * y1
        return abs(s) / 2

def main(n, steps):
    ps = [Particle(float(i), float(-i), 1.0, 0.5) for i in range(n)]
    for _ in range(steps):
        for p in ps:
            p.step(0.01)
    polys = [Poly(f"p{i}", 200) for i in range(n // 10)]
    print(sum(p.area() for p in polys), len(ps[0].history))

if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
