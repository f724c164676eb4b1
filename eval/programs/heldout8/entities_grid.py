"""A particle world of entity objects: velocities, walls, and collisions
found through a spatial hash (a dict of grid cells to lists)."""
import argparse
import random


class Entity:
    __slots__ = ("x", "y", "vx", "vy", "hits")

    def __init__(self, x, y, vx, vy):
        self.x, self.y, self.vx, self.vy = x, y, vx, vy
        self.hits = 0

    def step(self, dt, size):
        self.x += self.vx * dt
        self.y += self.vy * dt
        if self.x < 0 or self.x > size:
            self.vx = -self.vx
        if self.y < 0 or self.y > size:
            self.vy = -self.vy


class World:
    def __init__(self, n, size, cell, seed):
        rng = random.Random(seed)
        self.size = size
        self.cell = cell
        self.entities = [
            Entity(rng.uniform(0, size), rng.uniform(0, size),
                   rng.uniform(-1, 1), rng.uniform(-1, 1))
            for _ in range(n)
        ]

    def grid(self):
        cells = {}
        c = self.cell
        for e in self.entities:
            cells.setdefault((int(e.x // c), int(e.y // c)), []).append(e)
        return cells

    def collide(self):
        cells = self.grid()
        r2 = (self.cell / 4) ** 2
        count = 0
        for (cx, cy), members in cells.items():
            near = []
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    near.extend(cells.get((cx + dx, cy + dy), ()))
            for a in members:
                for b in near:
                    if a is not b and (a.x - b.x) ** 2 + (a.y - b.y) ** 2 < r2:
                        a.hits += 1
                        count += 1
        return count

    def tick(self, dt):
        for e in self.entities:
            e.step(dt, self.size)
        return self.collide()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entities", type=int, default=3000)
    ap.add_argument("--steps", type=int, default=30)
    args = ap.parse_args()
    world = World(args.entities, 100.0, 2.0, 7)
    total = 0
    for s in range(args.steps):
        total += world.tick(0.5)
    print("collisions", total, max(e.hits for e in world.entities))


if __name__ == "__main__":
    main()
