"""Build a k-d tree over random points and answer nearest-neighbour queries."""
import argparse
import math
import random


class Node:
    def __init__(self, point, axis, left=None, right=None):
        self.point = point
        self.axis = axis
        self.left = left
        self.right = right


class KDTree:
    def __init__(self, points, dims):
        self.dims = dims
        self.root = self._build(points, 0)
        self.visited = 0

    def _build(self, points, depth):
        if not points:
            return None
        axis = depth % self.dims
        points.sort(key=lambda p: p[axis])
        mid = len(points) // 2
        return Node(
            points[mid],
            axis,
            self._build(points[:mid], depth + 1),
            self._build(points[mid + 1:], depth + 1),
        )

    def nearest(self, target):
        best = [None, math.inf]
        self._search(self.root, target, best)
        return best[0], math.sqrt(best[1])

    def _search(self, node, target, best):
        if node is None:
            return
        self.visited += 1
        d = sum((a - b) ** 2 for a, b in zip(node.point, target))
        if d < best[1]:
            best[0], best[1] = node.point, d
        diff = target[node.axis] - node.point[node.axis]
        near, far = (node.left, node.right) if diff < 0 else (node.right, node.left)
        self._search(near, target, best)
        if diff * diff < best[1]:
            self._search(far, target, best)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=60000)
    parser.add_argument("--queries", type=int, default=8000)
    parser.add_argument("--dims", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(7)
    pts = [tuple(rng.random() for _ in range(args.dims)) for _ in range(args.points)]
    tree = KDTree(list(pts), args.dims)
    total = 0.0
    for _ in range(args.queries):
        q = tuple(rng.random() for _ in range(args.dims))
        _, dist = tree.nearest(q)
        total += dist
    print(f"mean nn distance {total / args.queries:.5f}, nodes visited {tree.visited}")


if __name__ == "__main__":
    main()
