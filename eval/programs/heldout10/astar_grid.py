"""A* shortest paths on a random grid with obstacles, many queries."""
import argparse
import heapq
import random


def make_grid(n, density, rng):
    return [[1 if rng.random() < density else 0 for _ in range(n)] for _ in range(n)]


def neighbours(grid, r, c):
    n = len(grid)
    for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        nr, nc = r + dr, c + dc
        if 0 <= nr < n and 0 <= nc < n and not grid[nr][nc]:
            yield nr, nc


def astar(grid, start, goal):
    def h(p):
        return abs(p[0] - goal[0]) + abs(p[1] - goal[1])

    open_heap = [(h(start), 0, start)]
    best = {start: 0}
    expanded = 0
    while open_heap:
        f, g, node = heapq.heappop(open_heap)
        if node == goal:
            return g, expanded
        if g > best.get(node, 1 << 30):
            continue
        expanded += 1
        for nb in neighbours(grid, *node):
            ng = g + 1
            if ng < best.get(nb, 1 << 30):
                best[nb] = ng
                heapq.heappush(open_heap, (ng + h(nb), ng, nb))
    return -1, expanded


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", type=int, default=200)
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--density", type=float, default=0.25)
    args = ap.parse_args()
    rng = random.Random(3)
    grid = make_grid(args.size, args.density, rng)
    total = 0
    found = 0
    for _ in range(args.queries):
        while True:
            a = (rng.randrange(args.size), rng.randrange(args.size))
            b = (rng.randrange(args.size), rng.randrange(args.size))
            if not grid[a[0]][a[1]] and not grid[b[0]][b[1]]:
                break
        dist, expanded = astar(grid, a, b)
        total += expanded
        found += dist >= 0
    print(f"found {found}/{args.queries}, expanded {total}")


if __name__ == "__main__":
    main()
