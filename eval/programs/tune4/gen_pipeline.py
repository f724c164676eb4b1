"""A lazy pipeline of generator functions: read synthetic records, filter,
transform, window and aggregate, without building lists."""
import itertools
import random
import sys


def records(n, seed):
    rng = random.Random(seed)
    for i in range(n):
        yield {"id": i, "value": rng.gauss(10, 3), "tag": rng.choice("abcde")}


def only(tag, rows):
    for r in rows:
        if r["tag"] == tag:
            yield r


def scaled(rows, k):
    for r in rows:
        yield r["value"] * k


def windows(xs, size):
    it = iter(xs)
    win = list(itertools.islice(it, size))
    while len(win) == size:
        yield sum(win) / size
        nxt = next(it, None)
        if nxt is None:
            return
        win.pop(0)
        win.append(nxt)


def main(n):
    total = 0.0
    count = 0
    for m in windows(scaled(only("c", records(n, 7)), 2.0), 50):
        total += m
        count += 1
    print(count, round(total / max(count, 1), 3))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000000)
