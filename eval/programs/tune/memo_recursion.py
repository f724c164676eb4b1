"""Recursion: naive Fibonacci, Ackermann-style recursion and a memoised count."""
import functools
import sys

sys.setrecursionlimit(10000)


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


@functools.lru_cache(maxsize=None)
def paths(r, c):
    if r == 0 or c == 0:
        return 1
    return paths(r - 1, c) + paths(r, c - 1)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    print(fib(n))
    print(paths(300, 300) % 1000000007)


if __name__ == "__main__":
    main()
