"""Solves a batch of sudoku puzzles by backtracking with candidate sets."""
import sys

PUZZLES = [
    "530070000600195000098000060800060003400803001700020006060000280000419005000080079",
    "000000907000420180000705026100904000050000040000507009920108000034059000507000000",
    "030050040008010500460000012070502080000603000040109030250000098001020600080060020",
    "020810740700003100090002805009040087400208003160030200302700060005600008076051090",
]


def parse(s):
    return [[int(s[r * 9 + c]) for c in range(9)] for r in range(9)]


def candidates(grid, r, c):
    used = set(grid[r])
    used.update(grid[i][c] for i in range(9))
    br, bc = 3 * (r // 3), 3 * (c // 3)
    for i in range(br, br + 3):
        for j in range(bc, bc + 3):
            used.add(grid[i][j])
    return [v for v in range(1, 10) if v not in used]


def solve(grid):
    best = None
    for r in range(9):
        for c in range(9):
            if grid[r][c] == 0:
                cand = candidates(grid, r, c)
                if best is None or len(cand) < len(best[2]):
                    best = (r, c, cand)
    if best is None:
        return True
    r, c, cand = best
    for v in cand:
        grid[r][c] = v
        if solve(grid):
            return True
    grid[r][c] = 0
    return False


def main(rounds):
    solved = 0
    for _ in range(rounds):
        for p in PUZZLES:
            g = parse(p)
            if solve(g):
                solved += 1
    print("solved", solved)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
