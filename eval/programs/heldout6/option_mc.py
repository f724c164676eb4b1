"""Monte-Carlo pricing of European and Asian options in numpy, simulated in
chunks of paths so memory stays bounded."""
import sys

import numpy as np


def simulate(rng, paths, steps, s0, r, sigma, t):
    dt = t / steps
    z = rng.standard_normal((paths, steps))
    increments = (r - 0.5 * sigma * sigma) * dt + sigma * np.sqrt(dt) * z
    log_paths = np.cumsum(increments, axis=1)
    return s0 * np.exp(log_paths)


def main(total_paths, steps, chunk):
    rng = np.random.default_rng(42)
    s0, strike, r, sigma, t = 100.0, 105.0, 0.03, 0.25, 1.0
    euro = []
    asian = []
    done = 0
    while done < total_paths:
        n = min(chunk, total_paths - done)
        s = simulate(rng, n, steps, s0, r, sigma, t)
        euro.append(np.maximum(s[:, -1] - strike, 0.0).sum())
        asian.append(np.maximum(s.mean(axis=1) - strike, 0.0).sum())
        done += n
    disc = np.exp(-r * t)
    print("european", round(disc * sum(euro) / total_paths, 4))
    print("asian", round(disc * sum(asian) / total_paths, 4))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400000,
         int(sys.argv[2]) if len(sys.argv) > 2 else 252,
         int(sys.argv[3]) if len(sys.argv) > 3 else 50000)
