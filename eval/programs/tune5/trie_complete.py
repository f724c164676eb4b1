"""Autocomplete with a trie of dicts: insert a vocabulary of random words,
then collect every completion of many prefixes by depth-first search."""
import random
import string
import sys


class Trie:
    def __init__(self):
        self.root = {}

    def insert(self, word):
        node = self.root
        for ch in word:
            node = node.setdefault(ch, {})
        node["$"] = True

    def complete(self, prefix, limit=20):
        node = self.root
        for ch in prefix:
            if ch not in node:
                return []
            node = node[ch]
        out = []
        stack = [(node, prefix)]
        while stack and len(out) < limit:
            node, acc = stack.pop()
            for ch, child in node.items():
                if ch == "$":
                    out.append(acc)
                else:
                    stack.append((child, acc + ch))
        return out


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    q = int(sys.argv[2]) if len(sys.argv) > 2 else 50000
    rng = random.Random(8)
    letters = string.ascii_lowercase[:12]
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(n)]
    t = Trie()
    for w in words:
        t.insert(w)
    found = 0
    for _ in range(q):
        p = "".join(rng.choice(letters) for _ in range(3))
        found += len(t.complete(p))
    print("completions", found)


if __name__ == "__main__":
    main()
