"""Longest common subsequence of two random strings by dynamic programming."""
import argparse
import random


def lcs(a, b):
    prev = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        cur = [0] * (len(b) + 1)
        ai = a[i - 1]
        for j in range(1, len(b) + 1):
            if ai == b[j - 1]:
                cur[j] = prev[j - 1] + 1
            else:
                cur[j] = max(prev[j], cur[j - 1])
        prev = cur
    return prev[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("length", type=int, nargs="?", default=2500)
    args = ap.parse_args()
    rng = random.Random(11)
    a = "".join(rng.choice("ACGT") for _ in range(args.length))
    b = "".join(rng.choice("ACGT") for _ in range(args.length))
    print(lcs(a, b))


if __name__ == "__main__":
    main()
