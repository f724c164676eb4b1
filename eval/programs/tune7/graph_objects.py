"""A graph of node objects with neighbour lists: components by an
explicit-stack depth-first search, degrees, and a BFS from each root."""
import random
import sys
from collections import deque


class Node:
    __slots__ = ("id", "nbrs", "comp")

    def __init__(self, i):
        self.id = i
        self.nbrs = []
        self.comp = -1


class Graph:
    def __init__(self, n, m, seed):
        rng = random.Random(seed)
        self.nodes = [Node(i) for i in range(n)]
        for _ in range(m):
            a = self.nodes[rng.randrange(n)]
            b = self.nodes[rng.randrange(n)]
            if a is not b:
                a.nbrs.append(b)
                b.nbrs.append(a)

    def components(self):
        count = 0
        for start in self.nodes:
            if start.comp >= 0:
                continue
            stack = [start]
            start.comp = count
            while stack:
                node = stack.pop()
                for nb in node.nbrs:
                    if nb.comp < 0:
                        nb.comp = count
                        stack.append(nb)
            count += 1
        return count

    def bfs_depth(self, root):
        seen = {root.id: 0}
        q = deque([root])
        while q:
            node = q.popleft()
            d = seen[node.id]
            for nb in node.nbrs:
                if nb.id not in seen:
                    seen[nb.id] = d + 1
                    q.append(nb)
        return max(seen.values())


def main():
    n = int(sys.argv[1])
    m = int(sys.argv[2])
    roots = int(sys.argv[3])
    g = Graph(n, m, 3)
    print("components", g.components())
    print("max degree", max(len(x.nbrs) for x in g.nodes))
    depths = [g.bfs_depth(g.nodes[i]) for i in range(roots)]
    print("depths", depths[:5])


if __name__ == "__main__":
    main()
