"""Byte-pair-encoding merges on a word-frequency table: count adjacent
symbol pairs, merge the most frequent, repeat."""
import random
import sys
from collections import Counter


def make_vocab(n_words, rng):
    letters = "etaoinshrdlucmfwypvbgkjqxz"
    weights = [26 - i for i in range(26)]
    vocab = Counter()
    for _ in range(n_words):
        w = "".join(rng.choices(letters, weights=weights, k=rng.randint(3, 9)))
        vocab[tuple(w) + ("</w>",)] += 1
    return vocab


def pair_counts(vocab):
    pairs = Counter()
    for word, freq in vocab.items():
        for a, b in zip(word, word[1:]):
            pairs[a, b] += freq
    return pairs


def merge(vocab, pair):
    a, b = pair
    out = {}
    for word, freq in vocab.items():
        merged = []
        i = 0
        while i < len(word):
            if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
                merged.append(a + b)
                i += 2
            else:
                merged.append(word[i])
                i += 1
        out[tuple(merged)] = freq
    return out


def main(n_words, merges):
    rng = random.Random(4)
    vocab = make_vocab(n_words, rng)
    for _ in range(merges):
        pairs = pair_counts(vocab)
        if not pairs:
            break
        best = max(pairs, key=pairs.get)
        vocab = merge(vocab, best)
    print(len(vocab), sum(len(w) for w in vocab))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30000, int(sys.argv[2]) if len(sys.argv) > 2 else 20)
