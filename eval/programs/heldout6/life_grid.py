"""Conway's game of life on a torus, lists of lists, plain Python."""
import random
import sys


def step(grid):
    n = len(grid)
    m = len(grid[0])
    new = [[0] * m for _ in range(n)]
    for i in range(n):
        up = grid[i - 1]
        row = grid[i]
        down = grid[(i + 1) % n]
        for j in range(m):
            jl = j - 1
            jr = (j + 1) % m
            s = (up[jl] + up[j] + up[jr] + row[jl] + row[jr]
                 + down[jl] + down[j] + down[jr])
            if s == 3 or (s == 2 and row[j]):
                new[i][j] = 1
    return new


def main(size, generations):
    rng = random.Random(11)
    grid = [[1 if rng.random() < 0.3 else 0 for _ in range(size)] for _ in range(size)]
    for g in range(generations):
        grid = step(grid)
        if g % 10 == 0:
            print(g, sum(map(sum, grid)))
    print("alive", sum(map(sum, grid)))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300, int(sys.argv[2]) if len(sys.argv) > 2 else 30)
