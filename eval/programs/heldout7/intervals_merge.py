"""Booking intervals: generate reservations, sort and merge overlaps per
room, then answer point queries with bisect."""
import bisect
import random
import sys
from collections import defaultdict


def merge(intervals):
    intervals.sort()
    merged = []
    for start, end in intervals:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1][1] = end
        else:
            merged.append([start, end])
    return merged


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300000
    queries = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
    rng = random.Random(11)
    rooms = defaultdict(list)
    for _ in range(n):
        room = rng.randrange(200)
        start = rng.randrange(0, 100000)
        rooms[room].append((start, start + rng.randint(10, 400)))
    busy = {}
    for room, ivs in rooms.items():
        m = merge(ivs)
        busy[room] = ([s for s, _ in m], [e for _, e in m])
    hits = 0
    for _ in range(queries):
        room = rng.randrange(200)
        t = rng.randrange(0, 100400)
        starts, ends = busy[room]
        k = bisect.bisect_right(starts, t) - 1
        if k >= 0 and t <= ends[k]:
            hits += 1
    print("rooms", len(busy), "busy hits", hits)


if __name__ == "__main__":
    main()
