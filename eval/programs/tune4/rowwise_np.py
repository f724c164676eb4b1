"""Per-row numpy calls inside a Python loop: normalising each row of a
table and keeping a running top-k, as users write before vectorising."""
import sys

import numpy as np


def main(rows, cols):
    rng = np.random.default_rng(9)
    table = rng.random((rows, cols))
    best = []
    for i in range(rows):
        row = table[i]
        z = (row - row.mean()) / (row.std() + 1e-9)
        score = float(np.abs(z).max())
        best.append((score, i))
        if len(best) > 100:
            best.sort(reverse=True)
            best = best[:50]
    best.sort(reverse=True)
    print(best[0][1], round(best[0][0], 4))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50000, int(sys.argv[2]) if len(sys.argv) > 2 else 64)
