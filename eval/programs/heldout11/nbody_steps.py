"""Gravitational n-body with numpy: leapfrog steps in a while loop until a simulated end time."""
import sys
import numpy as np


def accelerations(pos, mass, soft):
    diff = pos[None, :, :] - pos[:, None, :]
    dist2 = (diff ** 2).sum(axis=2) + soft * soft
    inv3 = dist2 ** -1.5
    np.fill_diagonal(inv3, 0.0)
    return (diff * (inv3 * mass[None, :])[:, :, None]).sum(axis=1)


def energy(pos, vel, mass, soft):
    kinetic = 0.5 * (mass * (vel ** 2).sum(axis=1)).sum()
    diff = pos[None, :, :] - pos[:, None, :]
    dist = np.sqrt((diff ** 2).sum(axis=2) + soft * soft)
    iu = np.triu_indices(len(mass), 1)
    potential = -(mass[iu[0]] * mass[iu[1]] / dist[iu]).sum()
    return kinetic + potential


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    t_end = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
    dt = 0.01
    rng = np.random.default_rng(8)
    pos = rng.normal(size=(n, 3))
    vel = rng.normal(scale=0.1, size=(n, 3))
    mass = rng.uniform(0.5, 1.5, n) / n
    soft = 0.05
    e0 = energy(pos, vel, mass, soft)
    acc = accelerations(pos, mass, soft)
    t = 0.0
    steps = 0
    while t < t_end:
        vel += 0.5 * dt * acc
        pos += dt * vel
        acc = accelerations(pos, mass, soft)
        vel += 0.5 * dt * acc
        t += dt
        steps += 1
    print("steps", steps, "energy drift %.3e" % (energy(pos, vel, mass, soft) / e0 - 1))


if __name__ == "__main__":
    main()
