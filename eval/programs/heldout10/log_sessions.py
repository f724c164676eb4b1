"""Sessionise generated access logs per user with datetime arithmetic."""
import argparse
import random
from collections import defaultdict
from datetime import datetime, timedelta

PAGES = ["/", "/search", "/item", "/cart", "/checkout", "/help", "/account"]


def generate(n, users, rng):
    t = datetime(2026, 1, 1)
    lines = []
    for _ in range(n):
        t += timedelta(seconds=rng.expovariate(1 / 3))
        lines.append(f"{t.isoformat(timespec='seconds')} user{rng.randrange(users)} GET {rng.choice(PAGES)} 200")
    return lines


def parse(line):
    stamp, user, _method, path, status = line.split(" ")
    return datetime.fromisoformat(stamp), user, path, int(status)


def sessionise(events, gap):
    per_user = defaultdict(list)
    for when, user, path, _ in events:
        per_user[user].append((when, path))
    sessions = []
    for user, hits in per_user.items():
        start = prev = hits[0][0]
        pages = 1
        for when, _path in hits[1:]:
            if when - prev > gap:
                sessions.append((user, start, prev, pages))
                start, pages = when, 0
            pages += 1
            prev = when
        sessions.append((user, start, prev, pages))
    return sessions


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=200000)
    ap.add_argument("--users", type=int, default=500)
    args = ap.parse_args()
    rng = random.Random(8)
    lines = generate(args.lines, args.users, rng)
    events = [parse(l) for l in lines]
    sessions = sessionise(events, timedelta(minutes=30))
    longest = max(s[2] - s[1] for s in sessions)
    print(f"sessions={len(sessions)} mean_pages={sum(s[3] for s in sessions) / len(sessions):.2f} longest={longest}")


if __name__ == "__main__":
    main()
