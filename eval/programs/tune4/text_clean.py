"""Cleans lines of generated text: strip, lower, replace punctuation,
regex substitutions, startswith filters, and a word length histogram."""
import re
import random
import sys

WORDS = ["alpha", "Beta", "gamma!", "delta,", "EPSILON", "zeta.", "eta?", "theta;", "iota", "kappa"]
URL = re.compile(r"https?://\S+")
DIGITS = re.compile(r"\d+")


def make_lines(n, rng):
    out = []
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(5, 15))]
        if i % 7 == 0:
            words.append("http://example.com/%d" % i)
        words.append(str(rng.randint(0, 9999)))
        out.append("  " + " ".join(words) + "  \n")
    return out


def clean(line):
    line = line.strip().lower()
    line = URL.sub("<url>", line)
    line = DIGITS.sub("<num>", line)
    for p in ",.!?;":
        line = line.replace(p, "")
    return line


def main(n):
    rng = random.Random(4)
    lines = make_lines(n, rng)
    hist = {}
    kept = 0
    for line in lines:
        c = clean(line)
        if c.startswith("alpha") or c.endswith("<num>"):
            kept += 1
        for w in c.split():
            hist[len(w)] = hist.get(len(w), 0) + 1
    print(kept, sorted(hist.items())[:5])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200000)
