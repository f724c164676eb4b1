"""Word statistics over a generated corpus: tokenise, count words and
bigrams with Counter, find the top words per document length bucket."""
import random
import sys
from collections import Counter, defaultdict

VOCAB = [w + s for w in ("data", "model", "train", "loss", "grad", "node", "graph", "tensor", "batch", "epoch",
                         "layer", "weight", "bias", "input", "output", "value", "query", "key", "head", "token")
         for s in ("", "s", "ed", "ing", "er")]


def make_docs(n, rng):
    docs = []
    for _ in range(n):
        length = rng.randint(20, 200)
        words = [rng.choice(VOCAB) for _ in range(length)]
        docs.append(" ".join(words).capitalize() + ".")
    return docs


def tokenise(doc):
    return [w.strip(".,").lower() for w in doc.split()]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    rng = random.Random(5)
    docs = make_docs(n, rng)
    words = Counter()
    bigrams = Counter()
    by_bucket = defaultdict(Counter)
    for doc in docs:
        toks = tokenise(doc)
        words.update(toks)
        bigrams.update(zip(toks, toks[1:]))
        by_bucket[len(toks) // 50].update(toks)
    print("distinct words", len(words), "distinct bigrams", len(bigrams))
    for b in sorted(by_bucket):
        top = by_bucket[b].most_common(3)
        print(b, [w for w, _ in top])


if __name__ == "__main__":
    main()
