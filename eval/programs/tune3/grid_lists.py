"""A 2-D grid as a list of lists, updated in place by a neighbourhood rule."""
import sys


class Grid:
    def __init__(self, n):
        self.n = n
        self.cells = [[(i * 7 + j * 3) % 5 for j in range(n)] for i in range(n)]

    def step(self):
        n = self.n
        new = [[0] * n for _ in range(n)]
        for i in range(1, n - 1):
            row_up, row, row_dn = self.cells[i - 1], self.cells[i], self.cells[i + 1]
            out = new[i]
            for j in range(1, n - 1):
                out[j] = (row_up[j] + row_dn[j] + row[j - 1] + row[j + 1]) % 5
        self.cells = new


def main(n, steps):
    g = Grid(n)
    for _ in range(steps):
        g.step()
    print(sum(map(sum, g.cells)))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
