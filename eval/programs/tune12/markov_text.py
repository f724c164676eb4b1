"""A word-level Markov chain: trains on generated sentences, then writes new
text by walking the chain, and reports the most common transitions."""
import random
import sys
from collections import Counter, defaultdict

SUBJECTS = ["the cat", "a dog", "my neighbour", "the old man", "a child", "the teacher"]
VERBS = ["sees", "likes", "follows", "paints", "feeds", "calls", "waits for"]
OBJECTS = ["the bird", "a red ball", "the garden", "its shadow", "the river", "a small boat"]
ENDINGS = ["today", "at night", "again", "in the rain", "quietly", "before dinner"]


def corpus(rng, sentences):
    for _ in range(sentences):
        parts = [rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS)]
        if rng.random() < 0.6:
            parts.append(rng.choice(ENDINGS))
        yield " ".join(parts) + "."


def train(texts, order):
    chain = defaultdict(Counter)
    for text in texts:
        words = ["<s>"] * order + text.split() + ["</s>"]
        for i in range(len(words) - order):
            chain[tuple(words[i:i + order])][words[i + order]] += 1
    return chain


def generate(chain, order, rng, max_words=40):
    state = ("<s>",) * order
    out = []
    while len(out) < max_words:
        counts = chain[state]
        words = list(counts)
        nxt = rng.choices(words, weights=[counts[w] for w in words])[0]
        if nxt == "</s>":
            break
        out.append(nxt)
        state = state[1:] + (nxt,)
    return " ".join(out)


def main():
    sentences = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    samples = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    rng = random.Random(11)
    chain = train(corpus(rng, sentences), order=2)
    lengths = [len(generate(chain, 2, rng).split()) for _ in range(samples)]
    top = sorted(((sum(c.values()), s) for s, c in chain.items()), reverse=True)[:3]
    print(len(chain), sum(lengths) / len(lengths), top[0][0])


if __name__ == "__main__":
    main()
