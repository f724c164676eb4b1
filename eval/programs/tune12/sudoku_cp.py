"""Sudoku by constraint propagation and search over candidate sets, on
puzzles made by blanking cells of a shuffled solved grid."""
import random
import sys

ROWS = "ABCDEFGHI"
COLS = "123456789"
CELLS = [r + c for r in ROWS for c in COLS]
UNITS = (
    [[r + c for c in COLS] for r in ROWS]
    + [[r + c for r in ROWS] for c in COLS]
    + [[r + c for r in rs for c in cs] for rs in ("ABC", "DEF", "GHI") for cs in ("123", "456", "789")]
)
UNITS_OF = {s: [u for u in UNITS if s in u] for s in CELLS}
PEERS = {s: set(sum(UNITS_OF[s], [])) - {s} for s in CELLS}


def assign(values, s, d):
    others = values[s].replace(d, "")
    return values if all(eliminate(values, s, o) for o in others) else False


def eliminate(values, s, d):
    if d not in values[s]:
        return values
    values[s] = values[s].replace(d, "")
    if not values[s]:
        return False
    if len(values[s]) == 1:
        d2 = values[s]
        if not all(eliminate(values, p, d2) for p in PEERS[s]):
            return False
    for u in UNITS_OF[s]:
        places = [c for c in u if d in values[c]]
        if not places:
            return False
        if len(places) == 1 and not assign(values, places[0], d):
            return False
    return values


def search(values):
    if values is False:
        return False
    if all(len(values[s]) == 1 for s in CELLS):
        return values
    _, s = min((len(values[s]), s) for s in CELLS if len(values[s]) > 1)
    for d in values[s]:
        found = search(assign(dict(values), s, d))
        if found:
            return found
    return False


def solved_grid(rng):
    base = [[(3 * (r % 3) + r // 3 + c) % 9 + 1 for c in range(9)] for r in range(9)]
    digits = list(range(1, 10))
    rng.shuffle(digits)
    return [[digits[v - 1] for v in row] for row in base]


def puzzle(rng, blanks):
    grid = solved_grid(rng)
    cells = list(range(81))
    rng.shuffle(cells)
    hidden = set(cells[:blanks])
    return "".join("0" if i in hidden else str(grid[i // 9][i % 9]) for i in range(81))


def solve(text):
    values = {s: COLS for s in CELLS}
    for s, ch in zip(CELLS, text):
        if ch in COLS and not assign(values, s, ch):
            return False
    return search(values)


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    blanks = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    rng = random.Random(9)
    solved = sum(1 for _ in range(count) if solve(puzzle(rng, blanks)))
    print(solved)


if __name__ == "__main__":
    main()
