"""Counting lattice paths around blocked cells with a memoised recursive
function (functools.lru_cache), for many grid sizes."""
import functools
import sys

sys.setrecursionlimit(10000)


def count_paths(n, blocked):
    @functools.lru_cache(maxsize=None)
    def ways(r, c):
        if (r, c) in blocked:
            return 0
        if r == 0 and c == 0:
            return 1
        total = 0
        if r > 0:
            total += ways(r - 1, c)
        if c > 0:
            total += ways(r, c - 1)
        return total
    return ways(n - 1, n - 1)


def main(n, reps):
    total = 0
    for k in range(reps):
        blocked = frozenset((i, (i * 7 + k) % n) for i in range(1, n, 3))
        total += count_paths(n, blocked) % 1000003
    print(total)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
