"""Nested records serialised to JSON and parsed back in batches, with a
field-level aggregation over the parsed records, as an ETL step does."""
import argparse
import json
import random


def make_record(i, rng):
    return {
        "id": i,
        "user": {"name": f"user{rng.randrange(10000)}", "age": rng.randint(18, 90),
                 "tags": [f"t{rng.randrange(50)}" for _ in range(rng.randint(0, 5))]},
        "events": [{"kind": rng.choice(["view", "click", "buy"]),
                    "value": round(rng.random() * 100, 2)} for _ in range(rng.randint(1, 8))],
    }


def aggregate(records, totals):
    for r in records:
        for e in r["events"]:
            totals[e["kind"]] = totals.get(e["kind"], 0.0) + e["value"]
        for t in r["user"]["tags"]:
            totals[t] = totals.get(t, 0) + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=5000)
    args = ap.parse_args()
    rng = random.Random(9)
    totals = {}
    size = 0
    for start in range(0, args.records, args.batch):
        batch = [make_record(i, rng) for i in range(start, min(args.records, start + args.batch))]
        text = json.dumps(batch)
        size += len(text)
        aggregate(json.loads(text), totals)
    print(size, round(totals["buy"], 2))


if __name__ == "__main__":
    main()
