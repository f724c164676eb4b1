"""Naive de-duplication of generated customer records: ids already seen are
kept in a list, and each record's e-mail is checked against it."""
import random
import sys
from dataclasses import dataclass


@dataclass
class Record:
    rid: int
    email: str
    amount: float


def records(rng, n):
    for i in range(n):
        user = rng.randint(0, n // 2)
        yield Record(i, f"user{user}@example.com", round(rng.uniform(1, 500), 2))


def main(n):
    rng = random.Random(8)
    seen = []
    unique = []
    dupes = 0
    for rec in records(rng, n):
        if rec.email in seen:
            dupes += 1
            continue
        seen.append(rec.email)
        unique.append(rec)
    total = sum(r.amount for r in unique)
    print(len(unique), dupes, round(total, 2))


if __name__ == "__main__":
    main(int(sys.argv[1]))
