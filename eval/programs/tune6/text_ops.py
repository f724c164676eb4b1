"""Cleans and indexes product titles with str methods: lower, replace,
find, startswith, partition, and a dict from tokens to titles."""
import random
import sys

WORDS = ["Ultra", "Pro", "Max", "mini", "Wireless", "USB-C", "Charger", "Cable", "Case", "Stand", "Light", "Smart"]


def clean(title):
    t = title.lower().replace("-", " ").replace("  ", " ").strip()
    brand, _, rest = t.partition(" ")
    return brand, rest


def main(n):
    rng = random.Random(3)
    titles = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8))) for _ in range(n)]
    index = {}
    hits = 0
    for t in titles:
        brand, rest = clean(t)
        if rest.find("cable") >= 0 or rest.startswith("usb"):
            hits += 1
        for tok in rest.split():
            index.setdefault(tok, []).append(brand)
    print(hits, len(index), sum(len(v) for v in index.values()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300000)
