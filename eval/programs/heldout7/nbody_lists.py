"""N-body gravity in pure Python: positions, velocities and masses in
parallel lists, all pairs each step, leapfrog integration."""
import random
import sys


def energy(xs, ys, zs, vx, vy, vz, m):
    e = 0.0
    n = len(m)
    for i in range(n):
        e += 0.5 * m[i] * (vx[i] ** 2 + vy[i] ** 2 + vz[i] ** 2)
        for j in range(i + 1, n):
            dx, dy, dz = xs[i] - xs[j], ys[i] - ys[j], zs[i] - zs[j]
            e -= m[i] * m[j] / (dx * dx + dy * dy + dz * dz + 0.01) ** 0.5
    return e


def step(xs, ys, zs, vx, vy, vz, m, dt):
    n = len(m)
    for i in range(n):
        ax = ay = az = 0.0
        xi, yi, zi = xs[i], ys[i], zs[i]
        for j in range(n):
            if i == j:
                continue
            dx, dy, dz = xs[j] - xi, ys[j] - yi, zs[j] - zi
            r2 = dx * dx + dy * dy + dz * dz + 0.01
            inv = m[j] / (r2 * r2 ** 0.5)
            ax += dx * inv
            ay += dy * inv
            az += dz * inv
        vx[i] += ax * dt
        vy[i] += ay * dt
        vz[i] += az * dt
    for i in range(n):
        xs[i] += vx[i] * dt
        ys[i] += vy[i] * dt
        zs[i] += vz[i] * dt


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    rng = random.Random(1)
    xs = [rng.uniform(-1, 1) for _ in range(n)]
    ys = [rng.uniform(-1, 1) for _ in range(n)]
    zs = [rng.uniform(-1, 1) for _ in range(n)]
    vx, vy, vz = [0.0] * n, [0.0] * n, [0.0] * n
    m = [rng.uniform(0.5, 1.5) for _ in range(n)]
    e0 = energy(xs, ys, zs, vx, vy, vz, m)
    for _ in range(steps):
        step(xs, ys, zs, vx, vy, vz, m, 0.001)
    e1 = energy(xs, ys, zs, vx, vy, vz, m)
    print("energy drift", round((e1 - e0) / abs(e0), 6))


if __name__ == "__main__":
    main()
