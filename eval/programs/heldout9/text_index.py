"""An inverted index over generated documents, queried with AND/OR terms
and ranked by term frequency."""
import argparse
import random
from collections import defaultdict

WORDS = [f"w{i}" for i in range(3000)]


class Document:
    def __init__(self, doc_id, text):
        self.doc_id = doc_id
        self.text = text
        self.terms = text.split()

    def __len__(self):
        return len(self.terms)


class InvertedIndex:
    def __init__(self):
        self.postings = defaultdict(dict)
        self.docs = {}

    def add(self, doc):
        self.docs[doc.doc_id] = doc
        for term in doc.terms:
            counts = self.postings[term]
            counts[doc.doc_id] = counts.get(doc.doc_id, 0) + 1

    def search_all(self, terms):
        sets = [set(self.postings.get(t, {})) for t in terms]
        if not sets:
            return set()
        result = sets[0]
        for s in sets[1:]:
            result &= s
        return result

    def search_any(self, terms):
        result = set()
        for t in terms:
            result |= set(self.postings.get(t, {}))
        return result

    def rank(self, doc_ids, terms):
        scored = []
        for d in doc_ids:
            score = 0.0
            n = len(self.docs[d])
            for t in terms:
                score += self.postings[t].get(d, 0) / n
            scored.append((score, d))
        scored.sort(reverse=True)
        return scored[:10]


def make_text(rng, length):
    # a skewed vocabulary, as real text is
    return " ".join(WORDS[int(rng.paretovariate(1.2)) % len(WORDS)] for _ in range(length))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=5000)
    ap.add_argument("--queries", type=int, default=2000)
    args = ap.parse_args()
    rng = random.Random(7)
    index = InvertedIndex()
    for i in range(args.docs):
        index.add(Document(i, make_text(rng, rng.randint(50, 150))))
    hits = 0
    for q in range(args.queries):
        terms = [WORDS[int(rng.paretovariate(1.2)) % len(WORDS)] for _ in range(3)]
        found = index.search_all(terms) if q % 2 else index.search_any(terms)
        hits += len(index.rank(found, terms))
    print(len(index.postings), hits)


if __name__ == "__main__":
    main()
