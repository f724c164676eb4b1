"""Minimum spanning tree by Kruskal's algorithm with a union-find class."""
import random
import sys


class DisjointSet:
    def __init__(self, n):
        self.parent = list(range(n))
        self.rank = [0] * n

    def find(self, x):
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if self.rank[ra] < self.rank[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        if self.rank[ra] == self.rank[rb]:
            self.rank[ra] += 1
        return True


def main():
    n = int(sys.argv[1])
    m = int(sys.argv[2])
    rng = random.Random(2)
    edges = [(rng.random(), rng.randrange(n), rng.randrange(n)) for _ in range(m)]
    edges.sort()
    ds = DisjointSet(n)
    total = 0.0
    used = 0
    for w, a, b in edges:
        if ds.union(a, b):
            total += w
            used += 1
    print(used, round(total, 4))


if __name__ == "__main__":
    main()
