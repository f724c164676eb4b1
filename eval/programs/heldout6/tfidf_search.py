"""TF-IDF over generated documents in plain Python, then cosine ranking of
a few queries against every document."""
import math
import random
import sys
from collections import Counter


def make_docs(n_docs, words_per_doc, vocab, rng):
    docs = []
    for _ in range(n_docs):
        words = [vocab[int(rng.paretovariate(1.2)) % len(vocab)] for _ in range(words_per_doc)]
        docs.append(" ".join(words))
    return docs


def tokenize(text):
    return text.lower().split()


def build_index(docs):
    tfs = [Counter(tokenize(d)) for d in docs]
    df = Counter()
    for tf in tfs:
        df.update(tf.keys())
    n = len(docs)
    idf = {w: math.log(n / (1 + c)) for w, c in df.items()}
    vectors = []
    for tf in tfs:
        vec = {w: c * idf[w] for w, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({w: v / norm for w, v in vec.items()})
    return idf, vectors


def search(query, idf, vectors, k=5):
    q = Counter(tokenize(query))
    qv = {w: c * idf.get(w, 0.0) for w, c in q.items()}
    scores = []
    for i, vec in enumerate(vectors):
        s = 0.0
        for w, v in qv.items():
            s += v * vec.get(w, 0.0)
        scores.append((s, i))
    scores.sort(reverse=True)
    return scores[:k]


def main(n_docs, words_per_doc):
    rng = random.Random(5)
    vocab = ["w%04d" % i for i in range(5000)]
    docs = make_docs(n_docs, words_per_doc, vocab, rng)
    idf, vectors = build_index(docs)
    for q in range(20):
        query = " ".join(rng.choice(vocab[:300]) for _ in range(4))
        best = search(query, idf, vectors)
        print(q, best[0][1], round(best[0][0], 3))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000, int(sys.argv[2]) if len(sys.argv) > 2 else 80)
