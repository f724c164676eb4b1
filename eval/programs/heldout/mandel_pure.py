"""Mandelbrot set in pure Python: a while loop whose trip count depends on the data."""
import sys


def mandel(w, h, max_iter):
    total = 0
    for y in range(h):
        ci = -1.2 + 2.4 * y / h
        for x in range(w):
            cr = -2.0 + 3.0 * x / w
            zr = zi = 0.0
            i = 0
            while zr * zr + zi * zi < 4.0 and i < max_iter:
                zr, zi = zr * zr - zi * zi + cr, 2.0 * zr * zi + ci
                i += 1
            total += i
    return total


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print(mandel(size, size, 100))
