"""An entity-component-system game loop: movement, bounce, spatial-hash collisions."""
import math
import random
import sys


class World:
    def __init__(self, width, height, cell):
        self.width = width
        self.height = height
        self.cell = cell
        self.next_id = 0
        self.positions = {}
        self.velocities = {}
        self.radius = {}
        self.health = {}

    def spawn(self, x, y, vx, vy, r):
        eid = self.next_id
        self.next_id += 1
        self.positions[eid] = [x, y]
        self.velocities[eid] = [vx, vy]
        self.radius[eid] = r
        self.health[eid] = 100
        return eid

    def despawn(self, eid):
        for store in (self.positions, self.velocities, self.radius, self.health):
            store.pop(eid, None)


class MovementSystem:
    def update(self, world, dt):
        for eid, vel in world.velocities.items():
            pos = world.positions[eid]
            pos[0] += vel[0] * dt
            pos[1] += vel[1] * dt
            if pos[0] < 0 or pos[0] > world.width:
                vel[0] = -vel[0]
            if pos[1] < 0 or pos[1] > world.height:
                vel[1] = -vel[1]


class CollisionSystem:
    def __init__(self):
        self.hits = 0

    def update(self, world, dt):
        grid = {}
        cell = world.cell
        for eid, (x, y) in world.positions.items():
            key = (int(x // cell), int(y // cell))
            grid.setdefault(key, []).append(eid)
        for (cx, cy), members in grid.items():
            near = []
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    near.extend(grid.get((cx + dx, cy + dy), ()))
            for a in members:
                ax, ay = world.positions[a]
                ra = world.radius[a]
                for b in near:
                    if b <= a:
                        continue
                    bx, by = world.positions[b]
                    if math.hypot(ax - bx, ay - by) < ra + world.radius[b]:
                        self.hits += 1
                        world.health[a] -= 1
                        world.health[b] -= 1


class HealthSystem:
    def __init__(self):
        self.dead = 0

    def update(self, world, dt):
        doomed = [eid for eid, hp in world.health.items() if hp <= 0]
        for eid in doomed:
            world.despawn(eid)
            self.dead += 1


def main(argv):
    entities = int(argv[1]) if len(argv) > 1 else 3000
    frames = int(argv[2]) if len(argv) > 2 else 100
    rng = random.Random(3)
    world = World(1000.0, 1000.0, 20.0)
    for _ in range(entities):
        world.spawn(rng.uniform(0, 1000), rng.uniform(0, 1000),
                    rng.uniform(-50, 50), rng.uniform(-50, 50), rng.uniform(2, 6))
    collisions = CollisionSystem()
    systems = [MovementSystem(), collisions, HealthSystem()]
    for _ in range(frames):
        for system in systems:
            system.update(world, 1 / 30)
    print("alive", len(world.positions), "hits", collisions.hits, "dead", systems[2].dead)


if __name__ == "__main__":
    main(sys.argv)
