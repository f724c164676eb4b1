"""Topological order of a random DAG (Kahn's algorithm with a deque) and
longest path by dynamic programming over that order; iterative DFS for
reachability."""
import random
import sys
from collections import deque


def make_dag(n, edges_per_node, rng):
    adj = {i: [] for i in range(n)}
    for u in range(n):
        for _ in range(edges_per_node):
            v = rng.randrange(u + 1, n + 1)
            if v < n:
                adj[u].append(v)
    return adj


def kahn(adj):
    indeg = {u: 0 for u in adj}
    for u in adj:
        for v in adj[u]:
            indeg[v] += 1
    q = deque(u for u in adj if indeg[u] == 0)
    order = []
    while q:
        u = q.popleft()
        order.append(u)
        for v in adj[u]:
            indeg[v] -= 1
            if indeg[v] == 0:
                q.append(v)
    return order


def longest(adj, order):
    dist = {u: 0 for u in adj}
    for u in order:
        for v in adj[u]:
            if dist[u] + 1 > dist[v]:
                dist[v] = dist[u] + 1
    return max(dist.values())


def reachable(adj, start):
    seen = set()
    stack = [start]
    while stack:
        u = stack.pop()
        if u in seen:
            continue
        seen.add(u)
        stack.extend(adj[u])
    return len(seen)


def main(n):
    rng = random.Random(6)
    adj = make_dag(n, 4, rng)
    order = kahn(adj)
    print(len(order), longest(adj, order), reachable(adj, 0))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300000)
