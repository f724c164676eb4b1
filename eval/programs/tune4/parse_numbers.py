"""Parses a column of messy numeric strings: try int, then float, count
the failures raised as ValueError."""
import random
import sys


def parse(s):
    try:
        return int(s)
    except ValueError:
        try:
            return float(s)
        except ValueError:
            return None


def main(n):
    rng = random.Random(1)
    cells = []
    for i in range(n):
        r = rng.random()
        if r < 0.5:
            cells.append(str(rng.randint(0, 10**6)))
        elif r < 0.8:
            cells.append("%.3f" % rng.uniform(-100, 100))
        else:
            cells.append(rng.choice(["n/a", "", "-", "missing"]))
    total = 0.0
    bad = 0
    for c in cells:
        v = parse(c)
        if v is None:
            bad += 1
        else:
            total += v
    print(bad, round(total, 2))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500000)
