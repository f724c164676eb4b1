"""A maze carved by randomised depth-first search on a grid, then solved by
breadth-first search from corner to corner, repeated for several seeds."""
import argparse
import random
from collections import deque


def carve(width, height, rng):
    walls = [[True] * (2 * width + 1) for _ in range(2 * height + 1)]
    stack = [(0, 0)]
    seen = {(0, 0)}
    walls[1][1] = False
    while stack:
        x, y = stack[-1]
        options = []
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            nx, ny = x + dx, y + dy
            if 0 <= nx < width and 0 <= ny < height and (nx, ny) not in seen:
                options.append((nx, ny, dx, dy))
        if not options:
            stack.pop()
            continue
        nx, ny, dx, dy = rng.choice(options)
        walls[2 * y + 1 + dy][2 * x + 1 + dx] = False
        walls[2 * ny + 1][2 * nx + 1] = False
        seen.add((nx, ny))
        stack.append((nx, ny))
    return walls


def solve(walls):
    h, w = len(walls), len(walls[0])
    start, goal = (1, 1), (h - 2, w - 2)
    prev = {start: None}
    queue = deque([start])
    while queue:
        cell = queue.popleft()
        if cell == goal:
            break
        r, c = cell
        for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if not walls[nr][nc] and (nr, nc) not in prev:
                prev[(nr, nc)] = cell
                queue.append((nr, nc))
    length = 0
    cell = goal
    while cell is not None:
        cell = prev[cell]
        length += 1
    return length


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=150)
    ap.add_argument("--mazes", type=int, default=5)
    args = ap.parse_args()
    total = 0
    for seed in range(args.mazes):
        rng = random.Random(seed)
        walls = carve(args.size, args.size, rng)
        total += solve(walls)
    print("mean path", total / args.mazes)


if __name__ == "__main__":
    main()
