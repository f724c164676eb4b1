"""Builds log lines with f-strings into a list, joins them into one text,
then splits and counts levels."""
import sys
import random


def main(n):
    rng = random.Random(1)
    levels = ["INFO", "WARN", "ERROR", "DEBUG"]
    lines = []
    for i in range(n):
        lines.append(f"2026-01-01T00:00:{i % 60:02d} {rng.choice(levels)} worker-{i % 16} request {i} took {rng.random():.4f}s")
    text = "\n".join(lines)
    counts = {}
    for line in text.split("\n"):
        lvl = line.split(" ", 2)[1]
        counts[lvl] = counts.get(lvl, 0) + 1
    print(counts)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300000)
