"""Autocomplete with a trie of node objects: insert a vocabulary, rank completions of prefixes."""
import random
import string
import sys


class TrieNode:
    __slots__ = ("children", "count", "terminal")

    def __init__(self):
        self.children = {}
        self.count = 0
        self.terminal = False


class Trie:
    def __init__(self):
        self.root = TrieNode()
        self.words = 0

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
            self.words += 1

    def find(self, prefix):
        node = self.root
        for ch in prefix:
            node = node.children.get(ch)
            if node is None:
                return None
        return node

    def complete(self, prefix, limit=5):
        start = self.find(prefix)
        if start is None:
            return []
        found = []
        stack = [(start, prefix)]
        while stack:
            node, word = stack.pop()
            if node.terminal:
                found.append((node.count, word))
            for ch, child in node.children.items():
                stack.append((child, word + ch))
        found.sort(reverse=True)
        return [w for _, w in found[:limit]]


def make_word(rng):
    length = rng.randint(3, 10)
    return "".join(rng.choice(string.ascii_lowercase[:12]) for _ in range(length))


def main():
    words = int(sys.argv[1]) if len(sys.argv) > 1 else 150000
    queries = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    rng = random.Random(1)
    trie = Trie()
    for _ in range(words):
        trie.insert(make_word(rng))
    hits = 0
    for _ in range(queries):
        prefix = make_word(rng)[: rng.randint(2, 4)]
        hits += len(trie.complete(prefix))
    print("words", trie.words, "hits", hits)


if __name__ == "__main__":
    main()
