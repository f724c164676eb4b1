"""Makes a list of dict records, dumps it to JSON text, loads it back and
filters it."""
import json
import random
import sys


def main(n):
    rng = random.Random(3)
    records = [{"id": i, "name": f"user{i}", "score": rng.random(), "tags": [rng.randint(0, 9) for _ in range(3)]}
               for i in range(n)]
    text = json.dumps(records)
    back = json.loads(text)
    good = [r for r in back if r["score"] > 0.5]
    print(len(text), len(good))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200000)
