"""Word pairs drawn from a vocabulary: successor lists and length counts."""
import random
from collections import defaultdict
V = [f"w{i}" for i in range(2000)]
def main(n):
    rng = random.Random(1)
    words = [rng.choice(V) for _ in range(n)]
    nxt = defaultdict(list)
    for a, b in zip(words, words[1:]):
        nxt[a].append(b)
    by_len = defaultdict(int)
    for w in words:
        by_len[len(w)] += 1
    print(len(nxt), len(by_len))
main(2000000)
