"""Counts N-queens solutions by backtracking with sets."""
import sys


def solve(n, row, cols, diag1, diag2):
    if row == n:
        return 1
    count = 0
    for c in range(n):
        if c in cols or (row - c) in diag1 or (row + c) in diag2:
            continue
        cols.add(c)
        diag1.add(row - c)
        diag2.add(row + c)
        count += solve(n, row + 1, cols, diag1, diag2)
        cols.remove(c)
        diag1.remove(row - c)
        diag2.remove(row + c)
    return count


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    print(n, solve(n, 0, set(), set(), set()))


if __name__ == "__main__":
    main()
