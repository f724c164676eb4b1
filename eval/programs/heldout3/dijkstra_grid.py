"""Shortest paths on a weighted grid with a binary heap."""
import heapq
import sys


def make_grid(n):
    grid = []
    x = 12345
    for _ in range(n):
        row = []
        for _ in range(n):
            x = (x * 48271) % 2147483647
            row.append(1 + x % 9)
        grid.append(row)
    return grid


def dijkstra(grid):
    n = len(grid)
    inf = float("inf")
    dist = [[inf] * n for _ in range(n)]
    dist[0][0] = grid[0][0]
    heap = [(grid[0][0], 0, 0)]
    while heap:
        d, i, j = heapq.heappop(heap)
        if d > dist[i][j]:
            continue
        for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            a, b = i + di, j + dj
            if 0 <= a < n and 0 <= b < n:
                nd = d + grid[a][b]
                if nd < dist[a][b]:
                    dist[a][b] = nd
                    heapq.heappush(heap, (nd, a, b))
    return dist


def main(n):
    grid = make_grid(n)
    dist = dijkstra(grid)
    print(dist[n - 1][n - 1])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
