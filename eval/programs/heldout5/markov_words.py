"""Word-level Markov text generator: builds the transition table from a
synthetic corpus, then samples sentences from it."""
import random
import sys


def corpus(n_words, vocab, rng):
    words = [f"w{i}" for i in range(vocab)]
    weights = [1.0 / (i + 1) for i in range(vocab)]
    return rng.choices(words, weights=weights, k=n_words)


def build_chain(tokens):
    chain = {}
    for a, b in zip(tokens, tokens[1:]):
        followers = chain.get(a)
        if followers is None:
            followers = chain[a] = []
        followers.append(b)
    return chain


def generate(chain, rng, length, start):
    out = [start]
    word = start
    for _ in range(length - 1):
        nxt = chain.get(word)
        if not nxt:
            word = start
        else:
            word = rng.choice(nxt)
        out.append(word)
    return " ".join(out)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500000
    sentences = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rng = random.Random(11)
    tokens = corpus(n, 5000, rng)
    chain = build_chain(tokens)
    total = 0
    for _ in range(sentences):
        total += len(generate(chain, rng, 50, tokens[0]))
    print(len(chain), total)


if __name__ == "__main__":
    main()
