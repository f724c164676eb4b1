"""Connected components of a random graph with a union-find class (path
halving, union by size), then the size distribution of the components."""
import random
import sys
from collections import Counter


class DSU:
    def __init__(self, n):
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x):
        p = self.parent
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return True


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 150000
    rng = random.Random(4)
    dsu = DSU(n)
    merges = 0
    for _ in range(m):
        if dsu.union(rng.randrange(n), rng.randrange(n)):
            merges += 1
    sizes = Counter(dsu.size[dsu.find(v)] for v in range(n))
    print("merges", merges, "largest", max(sizes))


if __name__ == "__main__":
    main()
