"""Shortest hop counts on a random sparse graph: adjacency lists and a deque BFS."""
import argparse
import random
from collections import deque


def build_graph(n, degree, seed):
    rng = random.Random(seed)
    adj = {v: [] for v in range(n)}
    for v in range(n):
        for _ in range(degree):
            w = rng.randrange(n)
            adj[v].append(w)
            adj[w].append(v)
    return adj


def bfs(adj, src):
    dist = {src: 0}
    q = deque([src])
    while q:
        v = q.popleft()
        for w in adj[v]:
            if w not in dist:
                dist[w] = dist[v] + 1
                q.append(w)
    return dist


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--nodes", type=int, default=60000)
    p.add_argument("--degree", type=int, default=4)
    p.add_argument("--sources", type=int, default=5)
    a = p.parse_args()
    adj = build_graph(a.nodes, a.degree, 7)
    total = 0
    for s in range(a.sources):
        d = bfs(adj, s * 13)
        total += max(d.values())
    print("eccentricity sum", total)


if __name__ == "__main__":
    main()
