"""A positional word index built inside main() with a class defined there,
queried for phrases by intersecting position sets, as a quick search script."""
import random
import sys

WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
         "omicron pi rho sigma tau upsilon phi chi psi omega data model train test "
         "value error loss batch epoch layer weight bias input output").split()


def main(docs, length, queries):
    class Index:
        def __init__(self):
            self.postings = {}

        def add(self, doc_id, tokens):
            for pos, tok in enumerate(tokens):
                self.postings.setdefault(tok, {}).setdefault(doc_id, []).append(pos)

        def phrase(self, a, b):
            hits = 0
            pa = self.postings.get(a, {})
            pb = self.postings.get(b, {})
            for doc in pa.keys() & pb.keys():
                follow = set(pb[doc])
                hits += sum(1 for p in pa[doc] if p + 1 in follow)
            return hits

    rng = random.Random(8)
    index = Index()
    for d in range(docs):
        tokens = [rng.choice(WORDS) for _ in range(length)]
        index.add(d, tokens)
    total = 0
    for _ in range(queries):
        total += index.phrase(rng.choice(WORDS), rng.choice(WORDS))
    print(len(index.postings), total)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
