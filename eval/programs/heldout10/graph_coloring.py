"""Greedy and DSatur colouring of a random graph held in a Graph class."""
import argparse
import random


class Graph:
    def __init__(self, n):
        self.n = n
        self.adj = [set() for _ in range(n)]

    def add_edge(self, a, b):
        if a != b:
            self.adj[a].add(b)
            self.adj[b].add(a)

    def degree(self, v):
        return len(self.adj[v])

    def greedy(self, order):
        colour = {}
        for v in order:
            used = {colour[u] for u in self.adj[v] if u in colour}
            c = 0
            while c in used:
                c += 1
            colour[v] = c
        return colour

    def dsatur(self):
        colour = {}
        sat = [set() for _ in range(self.n)]
        uncoloured = set(range(self.n))
        while uncoloured:
            v = max(uncoloured, key=lambda u: (len(sat[u]), self.degree(u)))
            c = 0
            while c in sat[v]:
                c += 1
            colour[v] = c
            uncoloured.discard(v)
            for u in self.adj[v]:
                sat[u].add(c)
        return colour


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=2500)
    ap.add_argument("--edges", type=int, default=25000)
    args = ap.parse_args()
    rng = random.Random(4)
    g = Graph(args.nodes)
    for _ in range(args.edges):
        g.add_edge(rng.randrange(args.nodes), rng.randrange(args.nodes))
    by_degree = sorted(range(g.n), key=g.degree, reverse=True)
    greedy = g.greedy(by_degree)
    ds = g.dsatur()
    print(f"greedy={max(greedy.values()) + 1} dsatur={max(ds.values()) + 1}")


if __name__ == "__main__":
    main()
