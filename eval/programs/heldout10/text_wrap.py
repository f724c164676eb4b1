"""Greedy and justified text wrapping of generated paragraphs."""
import argparse
import random

WORDS = ("the quick brown fox jumps over lazy dog while scheduler allocates memory "
         "before demand arrives cluster node job phase forecast interval python").split()


def make_paragraph(rng, n_words):
    return " ".join(rng.choice(WORDS) for _ in range(n_words))


def wrap(text, width):
    lines, line, length = [], [], 0
    for word in text.split():
        if line and length + 1 + len(word) > width:
            lines.append(line)
            line, length = [word], len(word)
        else:
            length += len(word) + (1 if line else 0)
            line.append(word)
    if line:
        lines.append(line)
    return lines


def justify(words, width):
    if len(words) == 1:
        return words[0].ljust(width)
    gaps = len(words) - 1
    spaces = width - sum(len(w) for w in words)
    base, extra = divmod(spaces, gaps)
    out = []
    for i, w in enumerate(words[:-1]):
        out.append(w)
        out.append(" " * (base + (1 if i < extra else 0)))
    out.append(words[-1])
    return "".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--paragraphs", type=int, default=3000)
    ap.add_argument("--width", type=int, default=72)
    args = ap.parse_args()
    rng = random.Random(11)
    total_lines = 0
    chars = 0
    for _ in range(args.paragraphs):
        para = make_paragraph(rng, rng.randint(80, 240))
        lines = wrap(para, args.width)
        body = [justify(l, args.width) for l in lines[:-1]] + [" ".join(lines[-1])]
        total_lines += len(body)
        chars += sum(len(s) for s in body)
    print(f"lines={total_lines} chars={chars}")


if __name__ == "__main__":
    main()
