"""Cosine similarity between documents held as sparse vectors in a small class."""
import math
import random
import sys


class SparseVector:
    __slots__ = ("data",)

    def __init__(self, data=None):
        self.data = data or {}

    def __add__(self, other):
        out = dict(self.data)
        for k, v in other.data.items():
            out[k] = out.get(k, 0.0) + v
        return SparseVector(out)

    def __mul__(self, scalar):
        return SparseVector({k: v * scalar for k, v in self.data.items()})

    def dot(self, other):
        a, b = (self, other) if len(self.data) < len(other.data) else (other, self)
        return sum(v * b.data.get(k, 0.0) for k, v in a.data.items())

    def norm(self):
        return math.sqrt(sum(v * v for v in self.data.values()))


def make_docs(n_docs, vocab, words_per_doc, rng):
    weights = [1.0 / (r + 1) for r in range(vocab)]
    docs = []
    for _ in range(n_docs):
        counts = {}
        for w in rng.choices(range(vocab), weights=weights, k=words_per_doc):
            counts[w] = counts.get(w, 0) + 1
        docs.append(counts)
    return docs


def tfidf(docs):
    df = {}
    for d in docs:
        for w in d:
            df[w] = df.get(w, 0) + 1
    n = len(docs)
    vecs = []
    for d in docs:
        total = sum(d.values())
        vecs.append(SparseVector({w: (c / total) * math.log(n / df[w]) for w, c in d.items()}))
    return vecs


def main():
    n_docs = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    rng = random.Random(5)
    vecs = tfidf(make_docs(n_docs, 5000, 150, rng))
    norms = [v.norm() or 1.0 for v in vecs]
    best_pair, best_sim = None, -1.0
    for i in range(len(vecs)):
        for j in range(i + 1, len(vecs)):
            sim = vecs[i].dot(vecs[j]) / (norms[i] * norms[j])
            if sim > best_sim:
                best_pair, best_sim = (i, j), sim
    centroid = SparseVector()
    for v in vecs:
        centroid = centroid + v * (1.0 / len(vecs))
    print("most similar", best_pair, round(best_sim, 4), "centroid terms", len(centroid.data))


if __name__ == "__main__":
    main()
