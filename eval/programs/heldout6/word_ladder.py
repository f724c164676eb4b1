"""Word ladders: builds a graph of random four-letter words that differ in
one letter (through wildcard buckets) and answers shortest-path queries by
breadth-first search."""
import random
import sys
from collections import defaultdict, deque

LETTERS = "abcdefghijklmnopqrst"


def make_words(n, rng):
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(LETTERS) for _ in range(4)))
    return sorted(words)


def build_graph(words):
    buckets = defaultdict(list)
    for w in words:
        for i in range(len(w)):
            buckets[w[:i] + "_" + w[i + 1:]].append(w)
    graph = defaultdict(set)
    for group in buckets.values():
        for a in group:
            for b in group:
                if a != b:
                    graph[a].add(b)
    return graph


def ladder(graph, start, goal):
    seen = {start: None}
    queue = deque([start])
    while queue:
        w = queue.popleft()
        if w == goal:
            steps = 0
            while seen[w] is not None:
                w = seen[w]
                steps += 1
            return steps
        for nxt in graph[w]:
            if nxt not in seen:
                seen[nxt] = w
                queue.append(nxt)
    return -1


def main(n_words, queries):
    rng = random.Random(13)
    words = make_words(n_words, rng)
    graph = build_graph(words)
    total = 0
    for _ in range(queries):
        a, b = rng.sample(words, 2)
        total += ladder(graph, a, b)
    print("words", len(words), "mean steps", total / queries)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60000, int(sys.argv[2]) if len(sys.argv) > 2 else 40)
