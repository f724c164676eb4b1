"""De-duplicates generated strings with a set and groups them by prefix in a
dict of lists."""
import random
import sys


def main(n):
    rng = random.Random(5)
    alphabet = "abcdefghij"
    seen = set()
    groups = {}
    for _ in range(n):
        s = "".join(rng.choice(alphabet) for _ in range(8))
        if s in seen:
            continue
        seen.add(s)
        groups.setdefault(s[:2], []).append(s)
    print(len(seen), len(groups), max(len(v) for v in groups.values()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200000)
