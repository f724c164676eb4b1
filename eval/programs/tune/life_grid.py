"""Conway's game of life on a list-of-lists grid."""
import sys


def step(grid, n):
    new = [[0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            s = 0
            for di in (-1, 0, 1):
                for dj in (-1, 0, 1):
                    if di or dj:
                        s += grid[(i + di) % n][(j + dj) % n]
            new[i][j] = 1 if s == 3 or (s == 2 and grid[i][j]) else 0
    return new


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 120
    gens = 10
    grid = [[1 if (i * 7 + j * 13) % 5 == 0 else 0 for j in range(n)] for i in range(n)]
    for _ in range(gens):
        grid = step(grid, n)
    print(sum(map(sum, grid)))


if __name__ == "__main__":
    main()
