"""Records as dicts: serialise to JSON, parse back, group and aggregate."""
import argparse
import json
import random
from collections import Counter


def make_records(n, seed):
    rng = random.Random(seed)
    cities = ["Oslo", "Lima", "Pune", "Kyiv", "Graz", "Cork", "Nice", "Baku"]
    return [
        {
            "id": i,
            "city": rng.choice(cities),
            "amount": round(rng.uniform(1, 500), 2),
            "tags": [rng.choice("abcdef") for _ in range(3)],
        }
        for i in range(n)
    ]


def summarise(records):
    by_city = {}
    tags = Counter()
    for r in records:
        s = by_city.setdefault(r["city"], [0, 0.0])
        s[0] += 1
        s[1] += r["amount"]
        tags.update(r["tags"])
    return by_city, tags


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=200000)
    args = ap.parse_args()
    records = make_records(args.records, 5)
    text = json.dumps(records)
    back = json.loads(text)
    by_city, tags = summarise(back)
    print(len(text), sorted(by_city)[0], tags.most_common(1))


if __name__ == "__main__":
    main()
