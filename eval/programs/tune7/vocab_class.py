"""A tokenizer class with a compiled regex and a vocabulary class that
counts, prunes and encodes documents as id lists."""
import random
import re
import sys
from collections import Counter


class Tokenizer:
    def __init__(self):
        self.pattern = re.compile(r"[a-z]+")

    def tokens(self, text):
        return self.pattern.findall(text.lower())


class Vocab:
    def __init__(self, min_count=2):
        self.counts = Counter()
        self.min_count = min_count
        self.ids = {}

    def update(self, tokens):
        self.counts.update(tokens)

    def build(self):
        kept = [w for w, c in self.counts.most_common() if c >= self.min_count]
        self.ids = {w: i for i, w in enumerate(kept)}
        return len(self.ids)

    def encode(self, tokens):
        return [self.ids.get(t, -1) for t in tokens]


def make_docs(n, rng):
    syll = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po"]
    words = ["".join(rng.choice(syll) for _ in range(rng.randint(1, 3))) for _ in range(3000)]
    return [" ".join(rng.choice(words) for _ in range(60)).title() + "." for _ in range(n)]


def main():
    n = int(sys.argv[1])
    rng = random.Random(12)
    docs = make_docs(n, rng)
    tok = Tokenizer()
    vocab = Vocab()
    toks = [tok.tokens(d) for d in docs]
    for t in toks:
        vocab.update(t)
    size = vocab.build()
    encoded = [vocab.encode(t) for t in toks]
    unknown = sum(x.count(-1) for x in encoded)
    print(size, unknown, len(encoded))


if __name__ == "__main__":
    main()
