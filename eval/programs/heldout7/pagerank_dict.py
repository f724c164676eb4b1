"""PageRank over a random graph stored as a dict of out-link lists,
iterated until the change is small."""
import random
import sys


def random_graph(n, avg_deg, rng):
    g = {v: [] for v in range(n)}
    for v in range(n):
        for _ in range(rng.randint(1, 2 * avg_deg)):
            g[v].append(rng.randrange(n))
    return g


def pagerank(g, damping=0.85, tol=1e-8, max_iter=50):
    n = len(g)
    rank = {v: 1.0 / n for v in g}
    for it in range(max_iter):
        nxt = {v: (1.0 - damping) / n for v in g}
        for v, outs in g.items():
            share = damping * rank[v] / len(outs)
            for w in outs:
                nxt[w] += share
        delta = sum(abs(nxt[v] - rank[v]) for v in g)
        rank = nxt
        if delta < tol:
            break
    return rank, it + 1


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
    deg = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    rng = random.Random(3)
    g = random_graph(n, deg, rng)
    rank, iters = pagerank(g)
    top = sorted(rank, key=rank.get, reverse=True)[:5]
    print("iterations", iters, "top", top)


if __name__ == "__main__":
    main()
