"""An inverted index over generated documents, then conjunctive queries."""
import random
import sys
from collections import defaultdict

VOCAB = [f"w{i}" for i in range(5000)]


def make_docs(n, length, rng):
    return [" ".join(rng.choice(VOCAB) for _ in range(length)) for _ in range(n)]


class Index:
    def __init__(self):
        self.postings = defaultdict(set)
        self.ndocs = 0

    def add(self, doc_id, text):
        for word in text.split():
            self.postings[word].add(doc_id)
        self.ndocs += 1

    def query(self, words):
        sets = [self.postings.get(w, set()) for w in words]
        sets.sort(key=len)
        result = set(sets[0])
        for s in sets[1:]:
            result &= s
        return result


def main(ndocs):
    rng = random.Random(3)
    docs = make_docs(ndocs, 80, rng)
    idx = Index()
    for i, d in enumerate(docs):
        idx.add(i, d)
    hits = 0
    for _ in range(2000):
        hits += len(idx.query(rng.sample(VOCAB, 2)))
    print(idx.ndocs, len(idx.postings), hits)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
