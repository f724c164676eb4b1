"""Word frequencies over generated text: dicts, strings and sorting."""
import random
import sys

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
         "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho"]


def make_text(n, seed):
    rnd = random.Random(seed)
    return " ".join(rnd.choice(WORDS) + str(rnd.randint(0, 99)) for _ in range(n))


def count(text):
    freq = {}
    for w in text.split():
        w = w.lower().strip(".,")
        freq[w] = freq.get(w, 0) + 1
    return freq


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 400000
    text = make_text(n, 7)
    freq = count(text)
    top = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    print(len(freq), top)


main()
