"""Low-pass filtering of a long signal chunk by chunk, carrying the filter
state across chunks, as a streaming pipeline does; checks the result against
filtering the whole signal at once."""
import argparse

import numpy as np
from scipy import signal


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--length", type=int, default=2_000_000)
    ap.add_argument("--chunk", type=int, default=250_000)
    args = ap.parse_args()

    rng = np.random.default_rng(7)
    t = np.arange(args.length) / 48_000.0
    x = np.sin(2 * np.pi * 440.0 * t) + 0.5 * rng.normal(size=args.length)
    b, a = signal.butter(6, 0.1)
    zi = signal.lfilter_zi(b, a) * x[0]
    pieces = []
    energy = 0.0
    for i, start in enumerate(range(0, args.length, args.chunk)):
        chunk = x[start : start + args.chunk]
        out, zi = signal.lfilter(b, a, chunk, zi=zi)
        pieces.append(out)
        energy += float(np.dot(out, out))
        print(f"chunk {i}: rms {np.sqrt(np.mean(out * out)):.5f}")
    y = np.concatenate(pieces)
    whole, _ = signal.lfilter(b, a, x, zi=signal.lfilter_zi(b, a) * x[0])
    print("energy", round(energy, 3), "max deviation", float(np.abs(y - whole).max()) < 1e-9)


if __name__ == "__main__":
    main()
