"""Bigram statistics of generated text with collections.Counter."""
import random
import sys
from collections import Counter


def generate(n_words, vocab_size, seed):
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(vocab_size)]
    weights = [1.0 / (i + 1) for i in range(vocab_size)]
    return rng.choices(vocab, weights=weights, k=n_words)


def main(n):
    words = generate(n, 5000, 11)
    unigrams = Counter(words)
    bigrams = Counter(zip(words, words[1:]))
    top = bigrams.most_common(10)
    pmi = {}
    for (a, b), c in bigrams.items():
        if c >= 5:
            pmi[(a, b)] = c * n / (unigrams[a] * unigrams[b])
    best = sorted(pmi.items(), key=lambda kv: kv[1], reverse=True)[:5]
    print(len(unigrams), len(bigrams), top[0][1], len(best))


if __name__ == "__main__":
    main(int(sys.argv[1]))
