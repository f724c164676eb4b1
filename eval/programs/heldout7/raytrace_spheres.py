"""A tiny ray tracer: a vector class with operators, spheres, one light,
Lambert shading. Renders a W x H image into a list of rows of RGB tuples."""
import math
import sys


class V3:
    __slots__ = ("x", "y", "z")

    def __init__(self, x, y, z):
        self.x, self.y, self.z = x, y, z

    def __add__(self, o):
        return V3(self.x + o.x, self.y + o.y, self.z + o.z)

    def __sub__(self, o):
        return V3(self.x - o.x, self.y - o.y, self.z - o.z)

    def scale(self, k):
        return V3(self.x * k, self.y * k, self.z * k)

    def dot(self, o):
        return self.x * o.x + self.y * o.y + self.z * o.z

    def unit(self):
        n = math.sqrt(self.dot(self))
        return self.scale(1.0 / n)


class Sphere:
    def __init__(self, center, radius, color):
        self.center, self.radius, self.color = center, radius, color

    def hit(self, origin, direction):
        oc = origin - self.center
        b = oc.dot(direction)
        c = oc.dot(oc) - self.radius * self.radius
        disc = b * b - c
        if disc < 0:
            return None
        t = -b - math.sqrt(disc)
        return t if t > 1e-6 else None


class Scene:
    def __init__(self, spheres, light):
        self.spheres, self.light = spheres, light

    def trace(self, origin, direction):
        best, best_t = None, float("inf")
        for s in self.spheres:
            t = s.hit(origin, direction)
            if t is not None and t < best_t:
                best, best_t = s, t
        if best is None:
            return (20, 20, 40)
        p = origin + direction.scale(best_t)
        n = (p - best.center).unit()
        lam = max(0.0, n.dot((self.light - p).unit()))
        r, g, b = best.color
        return (int(r * lam), int(g * lam), int(b * lam))


def render(width, height):
    spheres = [Sphere(V3(-1.5 + i, 0.2 * (i % 3), 4 + i % 2), 0.6, (200, 60 + 30 * i, 90)) for i in range(4)]
    spheres.append(Sphere(V3(0, -101, 5), 100, (120, 120, 120)))
    scene = Scene(spheres, V3(5, 8, -2))
    eye = V3(0, 0, 0)
    rows = []
    for j in range(height):
        row = []
        for i in range(width):
            d = V3((i - width / 2) / width, (height / 2 - j) / height, 1.0).unit()
            row.append(scene.trace(eye, d))
        rows.append(row)
    return rows


def main():
    w = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    h = int(sys.argv[2]) if len(sys.argv) > 2 else 150
    img = render(w, h)
    lit = sum(1 for row in img for px in row if px != (20, 20, 40))
    print("lit pixels", lit, "of", w * h)


if __name__ == "__main__":
    main()
