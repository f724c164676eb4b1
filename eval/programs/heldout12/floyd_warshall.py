"""All-pairs shortest paths on a random weighted digraph (Floyd-Warshall on lists)."""
import random
import sys

INF = float("inf")


def random_graph(n, density, seed):
    rng = random.Random(seed)
    dist = [[INF] * n for _ in range(n)]
    for i in range(n):
        dist[i][i] = 0.0
        for j in range(n):
            if i != j and rng.random() < density:
                dist[i][j] = rng.uniform(1.0, 10.0)
    return dist


def floyd_warshall(dist):
    n = len(dist)
    for k in range(n):
        row_k = dist[k]
        for i in range(n):
            row_i = dist[i]
            dik = row_i[k]
            if dik == INF:
                continue
            for j in range(n):
                alt = dik + row_k[j]
                if alt < row_i[j]:
                    row_i[j] = alt
    return dist


def main(argv):
    n = int(argv[1]) if len(argv) > 1 else 160
    dist = floyd_warshall(random_graph(n, 0.05, 11))
    reachable = sum(1 for row in dist for d in row if d < INF)
    diameter = max(d for row in dist for d in row if d < INF)
    print(f"n={n} reachable pairs={reachable} diameter={diameter:.2f}")


if __name__ == "__main__":
    main(sys.argv)
