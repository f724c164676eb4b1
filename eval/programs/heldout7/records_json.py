"""Customer records as dicts: serialise to JSON lines, read them back,
filter, group totals by region and month, and write a summary."""
import json
import random
import sys
import tempfile
from pathlib import Path


def make_records(n, rng):
    regions = ["north", "south", "east", "west", "central"]
    out = []
    for i in range(n):
        out.append({
            "id": i,
            "name": f"customer-{i:07d}",
            "region": rng.choice(regions),
            "month": rng.randint(1, 12),
            "orders": [round(rng.uniform(5, 500), 2) for _ in range(rng.randint(1, 6))],
            "active": rng.random() < 0.8,
        })
    return out


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    rng = random.Random(9)
    records = make_records(n, rng)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "records.jsonl"
        with open(path, "w") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")
        totals = {}
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                if not r["active"]:
                    continue
                key = (r["region"], r["month"])
                totals[key] = totals.get(key, 0.0) + sum(r["orders"])
    best = max(totals.items(), key=lambda kv: kv[1])
    print("groups", len(totals), "best", best[0], round(best[1], 2))


if __name__ == "__main__":
    main()
