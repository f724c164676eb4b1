"""N-body integration on plain lists of floats."""
import math
import sys


def energy(pos, vel, mass):
    e = 0.0
    n = len(mass)
    for i in range(n):
        vx, vy, vz = vel[i]
        e += 0.5 * mass[i] * (vx * vx + vy * vy + vz * vz)
        for j in range(i + 1, n):
            dx = pos[i][0] - pos[j][0]
            dy = pos[i][1] - pos[j][1]
            dz = pos[i][2] - pos[j][2]
            e -= mass[i] * mass[j] / math.sqrt(dx * dx + dy * dy + dz * dz)
    return e


def advance(pos, vel, mass, dt):
    n = len(mass)
    for i in range(n):
        for j in range(i + 1, n):
            dx = pos[i][0] - pos[j][0]
            dy = pos[i][1] - pos[j][1]
            dz = pos[i][2] - pos[j][2]
            d2 = dx * dx + dy * dy + dz * dz
            mag = dt / (d2 * math.sqrt(d2))
            vel[i][0] -= dx * mass[j] * mag
            vel[i][1] -= dy * mass[j] * mag
            vel[i][2] -= dz * mass[j] * mag
            vel[j][0] += dx * mass[i] * mag
            vel[j][1] += dy * mass[i] * mag
            vel[j][2] += dz * mass[i] * mag
    for i in range(n):
        pos[i][0] += dt * vel[i][0]
        pos[i][1] += dt * vel[i][1]
        pos[i][2] += dt * vel[i][2]


n = 40
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 400
pos = [[math.cos(i) * (1 + i), math.sin(i) * (1 + i), 0.1 * i] for i in range(n)]
vel = [[0.0, 0.0, 0.0] for _ in range(n)]
mass = [1.0 + (i % 5) for i in range(n)]
print(round(energy(pos, vel, mass), 6))
for _ in range(steps):
    advance(pos, vel, mass, 0.001)
print(round(energy(pos, vel, mass), 6))
