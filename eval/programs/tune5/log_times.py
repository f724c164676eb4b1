"""Access-log analysis: generate lines, parse timestamps with
datetime.strptime, bucket requests per minute and per status, find the
busiest minutes."""
import random
import sys
from collections import Counter
from datetime import datetime, timedelta


def make_lines(n, rng):
    t0 = datetime(2026, 1, 1)
    lines = []
    for i in range(n):
        t = t0 + timedelta(seconds=i * 0.5 + rng.random())
        status = rng.choice((200, 200, 200, 301, 404, 500))
        path = "/api/v1/" + rng.choice(("users", "orders", "items", "search")) + "/" + str(rng.randrange(1000))
        lines.append(f"{t.strftime('%Y-%m-%d %H:%M:%S')} GET {path} {status} {rng.randint(100, 9000)}")
    return lines


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    lines = make_lines(n, random.Random(3))
    per_minute = Counter()
    per_status = Counter()
    bytes_by_path = {}
    for line in lines:
        date, time, method, path, status, size = line.split()
        ts = datetime.strptime(date + " " + time, "%Y-%m-%d %H:%M:%S")
        per_minute[ts.replace(second=0)] += 1
        per_status[status] += 1
        root = path.rsplit("/", 1)[0]
        bytes_by_path[root] = bytes_by_path.get(root, 0) + int(size)
    print("minutes", len(per_minute), "statuses", dict(per_status), "busiest", per_minute.most_common(1)[0][1])


if __name__ == "__main__":
    main()
