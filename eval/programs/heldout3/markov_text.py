"""Builds a word-level Markov chain from generated text and samples from it."""
import argparse
import random
from collections import defaultdict

VOCAB = [f"w{i}" for i in range(3000)]


def corpus(n_words, rng):
    words = []
    prev = rng.choice(VOCAB)
    for _ in range(n_words):
        # Zipf-ish: most words come from a small head of the vocabulary.
        if rng.random() < 0.7:
            w = VOCAB[int(rng.random() ** 3 * 200)]
        else:
            w = rng.choice(VOCAB)
        words.append(w)
        prev = w
    return words


def build_chain(words):
    chain = defaultdict(list)
    for a, b in zip(words, words[1:]):
        chain[a].append(b)
    return chain


def sample(chain, start, length, rng):
    out = [start]
    w = start
    for _ in range(length):
        nxt = chain.get(w)
        if not nxt:
            w = rng.choice(list(chain))
        else:
            w = rng.choice(nxt)
        out.append(w)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--words", type=int, default=500000)
    p.add_argument("--length", type=int, default=200000)
    args = p.parse_args()
    rng = random.Random(3)
    words = corpus(args.words, rng)
    chain = build_chain(words)
    text = sample(chain, words[0], args.length, rng)
    print(len(chain), len(text), len(set(text)))


if __name__ == "__main__":
    main()
