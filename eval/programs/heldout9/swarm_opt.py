"""Particle swarm optimisation of the Rastrigin function, particles as
objects with position and velocity lists."""
import math
import random
import sys


def rastrigin(xs):
    return 10 * len(xs) + sum(x * x - 10 * math.cos(2 * math.pi * x) for x in xs)


class Particle:
    def __init__(self, dim, rng):
        self.pos = [rng.uniform(-5.12, 5.12) for _ in range(dim)]
        self.vel = [rng.uniform(-1, 1) for _ in range(dim)]
        self.best = list(self.pos)
        self.best_score = rastrigin(self.pos)

    def step(self, gbest, rng, w=0.7, c1=1.4, c2=1.4):
        for i in range(len(self.pos)):
            r1, r2 = rng.random(), rng.random()
            self.vel[i] = (w * self.vel[i]
                           + c1 * r1 * (self.best[i] - self.pos[i])
                           + c2 * r2 * (gbest[i] - self.pos[i]))
            self.pos[i] += self.vel[i]
        score = rastrigin(self.pos)
        if score < self.best_score:
            self.best_score = score
            self.best = list(self.pos)
        return score


class Swarm:
    def __init__(self, n, dim, seed):
        self.rng = random.Random(seed)
        self.particles = [Particle(dim, self.rng) for _ in range(n)]
        best = min(self.particles, key=lambda p: p.best_score)
        self.gbest = list(best.best)
        self.gbest_score = best.best_score

    def run(self, iters):
        for _ in range(iters):
            for p in self.particles:
                s = p.step(self.gbest, self.rng)
                if s < self.gbest_score:
                    self.gbest_score = s
                    self.gbest = list(p.pos)
        return self.gbest_score


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    iters = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    dim = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    print(f"best {Swarm(n, dim, 11).run(iters):.4f}")


if __name__ == "__main__":
    main()
