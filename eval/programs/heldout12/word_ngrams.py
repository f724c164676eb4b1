"""Count word n-grams in generated text with Counter and report the most common phrases."""
import random
import re
from collections import Counter

WORDS = ("the quick brown fox jumps over lazy dog while river runs past old mill "
         "under grey sky and children play near green field with bright kite").split()


def make_text(rng, sentences):
    out = []
    for _ in range(sentences):
        n = rng.randint(5, 14)
        words = [rng.choice(WORDS) for _ in range(n)]
        words[0] = words[0].capitalize()
        out.append(" ".join(words) + rng.choice([".", "!", "?"]))
    return " ".join(out)


def ngrams(tokens, n):
    return zip(*(tokens[i:] for i in range(n)))


def main():
    rng = random.Random(4)
    text = make_text(rng, 150000)
    tokens = re.findall(r"[a-z]+", text.lower())
    counts = {n: Counter(ngrams(tokens, n)) for n in (1, 2, 3)}
    for n, c in counts.items():
        top = c.most_common(3)
        print(n, len(c), [" ".join(g) for g, _ in top])
    sentences = re.split(r"[.!?]\s*", text)
    lengths = Counter(len(s.split()) for s in sentences if s)
    print("sentence lengths", sorted(lengths.items())[:5])


if __name__ == "__main__":
    main()
