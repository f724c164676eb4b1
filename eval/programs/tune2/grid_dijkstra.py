"""Shortest path over a weighted grid with heapq and a dict of distances."""
import heapq, sys, random

def build(n, rng):
    return [[rng.randint(1, 9) for _ in range(n)] for _ in range(n)]

def dijkstra(grid):
    n = len(grid)
    dist = {(0, 0): 0}
    heap = [(0, 0, 0)]
    while heap:
        d, r, c = heapq.heappop(heap)
        if d > dist.get((r, c), 1 << 60):
            continue
        for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            rr, cc = r + dr, c + dc
            if 0 <= rr < n and 0 <= cc < n:
                nd = d + grid[rr][cc]
                if nd < dist.get((rr, cc), 1 << 60):
                    dist[(rr, cc)] = nd
                    heapq.heappush(heap, (nd, rr, cc))
    return dist[(n - 1, n - 1)]

def main():
    n = int(sys.argv[1])
    rng = random.Random(3)
    g = build(n, rng)
    print(dijkstra(g))

main()
