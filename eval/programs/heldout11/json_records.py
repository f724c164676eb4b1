"""Build nested user records, round-trip them through JSON, then filter and reshape them."""
import json
import random
import sys


def make_user(i, rng):
    return {
        "id": i,
        "name": "user%06d" % i,
        "age": rng.randint(18, 90),
        "tags": [rng.choice(["a", "b", "c", "d", "e"]) for _ in range(rng.randint(0, 6))],
        "address": {"city": rng.choice(["Oslo", "Lima", "Pune", "Kyiv"]), "zip": "%05d" % rng.randrange(99999)},
        "scores": [round(rng.random() * 100, 1) for _ in range(5)],
    }


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 80000
    rng = random.Random(6)
    users = [make_user(i, rng) for i in range(n)]
    blob = json.dumps(users)
    back = json.loads(blob)
    by_city = {}
    for u in back:
        if u["age"] >= 30 and "c" in u["tags"]:
            city = u["address"]["city"]
            by_city.setdefault(city, []).append({"id": u["id"], "best": max(u["scores"])})
    summary = {c: (len(v), sum(x["best"] for x in v) / len(v)) for c, v in by_city.items()}
    print(len(blob), json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main()
