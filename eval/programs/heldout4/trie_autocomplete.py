"""Autocomplete over a trie of generated words: insert, then prefix queries."""
import argparse
import random


class TrieNode:
    __slots__ = ("children", "count", "terminal")

    def __init__(self):
        self.children = {}
        self.count = 0
        self.terminal = False


class Trie:
    def __init__(self):
        self.root = TrieNode()
        self.size = 0

    def insert(self, word):
        node = self.root
        for ch in word:
            nxt = node.children.get(ch)
            if nxt is None:
                nxt = TrieNode()
                node.children[ch] = nxt
            node = nxt
            node.count += 1
        if not node.terminal:
            node.terminal = True
            self.size += 1

    def count_prefix(self, prefix):
        node = self.root
        for ch in prefix:
            node = node.children.get(ch)
            if node is None:
                return 0
        return node.count


def make_word(rng, alphabet):
    n = rng.randint(4, 10)
    return "".join(rng.choice(alphabet) for _ in range(n))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--words", type=int, default=100000)
    p.add_argument("--queries", type=int, default=50000)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    rng = random.Random(args.seed)
    alphabet = "abcdefghij"
    trie = Trie()
    for _ in range(args.words):
        trie.insert(make_word(rng, alphabet))
    hits = 0
    for _ in range(args.queries):
        prefix = make_word(rng, alphabet)[:3]
        hits += trie.count_prefix(prefix)
    print(trie.size, hits)


if __name__ == "__main__":
    main()
