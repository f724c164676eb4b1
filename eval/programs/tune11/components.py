"""Connected components of a random sparse graph by BFS over a dict of sets,
then a degree histogram and the largest component's diameter estimate."""
import random
import sys
from collections import deque, Counter


def random_graph(n, m, rng):
    adj = {v: set() for v in range(n)}
    for _ in range(m):
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            adj[a].add(b)
            adj[b].add(a)
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


def components(adj):
    seen = set()
    comps = []
    for v in adj:
        if v in seen:
            continue
        d = bfs(adj, v)
        seen.update(d)
        comps.append(list(d))
    return comps


def main(n, m):
    rng = random.Random(4)
    adj = random_graph(n, m, rng)
    comps = components(adj)
    hist = Counter(len(ws) for ws in adj.values())
    big = max(comps, key=len)
    far = 0
    for src in rng.sample(big, 5):
        far = max(far, max(bfs(adj, src).values()))
    print(len(comps), len(big), far, sorted(hist.items())[:5])


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
