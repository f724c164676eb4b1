"""Dense matrix products with numpy, sized by argparse."""
import argparse

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=512)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    a = rng.standard_normal((args.n, args.n))
    b = rng.standard_normal((args.n, args.n))
    c = np.zeros((args.n, args.n))
    for _ in range(args.reps):
        c += a @ b
    print(float(np.linalg.norm(c)))


if __name__ == "__main__":
    main()
