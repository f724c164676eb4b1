"""Solves many small and medium linear systems and eigenproblems in numpy:
a loop over matrices, the way a user fits per-group models."""
import sys

import numpy as np


def main(count, n):
    rng = np.random.default_rng(5)
    resid = 0.0
    top = 0.0
    for i in range(count):
        a = rng.standard_normal((n, n))
        spd = a @ a.T + n * np.eye(n)
        b = rng.standard_normal(n)
        x = np.linalg.solve(spd, b)
        resid += float(np.linalg.norm(spd @ x - b))
        w = np.linalg.eigvalsh(spd)
        top += float(w[-1])
    print(count, resid, round(top / count, 3))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400, int(sys.argv[2]) if len(sys.argv) > 2 else 120)
