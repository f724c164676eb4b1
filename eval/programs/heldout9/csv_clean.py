"""Messy CSV text cleaned with string methods: split, strip, case folding,
number parsing with fallbacks, and joining back into normalised lines."""
import argparse
import random

CITIES = ["  new york", "Boston ", "CHICAGO", "san francisco", " Austin", "seattle  "]


def make_lines(n, rng):
    out = []
    for i in range(n):
        price = f"{rng.uniform(1, 999):.2f}" if rng.random() > 0.05 else "n/a"
        out.append(f"{i}, {rng.choice(CITIES)} ,{price}, {'YES' if rng.random() > 0.5 else 'no'} ")
    return out


def clean(line):
    parts = [p.strip() for p in line.split(",")]
    ident, city, price, flag = parts
    city = city.title()
    try:
        value = float(price)
    except ValueError:
        value = 0.0
    active = flag.lower() in ("yes", "y", "true")
    return ident, city, value, active


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=300000)
    args = ap.parse_args()
    rng = random.Random(6)
    lines = make_lines(args.lines, rng)
    totals = {}
    out = []
    for line in lines:
        ident, city, value, active = clean(line)
        if active:
            totals[city] = totals.get(city, 0.0) + value
        out.append(";".join((ident, city, f"{value:.2f}", "1" if active else "0")))
    text = "\n".join(out)
    print(len(text), sorted(totals)[:3])


if __name__ == "__main__":
    main()
