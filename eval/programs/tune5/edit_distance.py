"""Fuzzy matching: the edit distance of each query to every word of a small
dictionary, with a two-row dynamic programme."""
import random
import sys


def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
        prev = cur
    return prev[-1]


def main():
    n_words = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    n_queries = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    rng = random.Random(5)
    letters = "abcdefghij"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(5, 12))) for _ in range(n_words)]
    hits = 0
    for _ in range(n_queries):
        q = "".join(rng.choice(letters) for _ in range(rng.randint(5, 12)))
        best = min(words, key=lambda w: edit_distance(q, w))
        if edit_distance(q, best) <= 3:
            hits += 1
    print("close matches", hits)


if __name__ == "__main__":
    main()
