#!/usr/bin/env python3
"""Calibrates the width of the memory interval from programs the model was
not tuned on (split conformal prediction).

Reads the JSON that `prescient eval --json` writes (first-sight forecast,
its interval, the baseline and how the peak's data was sized) and, for each
way of sizing (`arrays`, `objects`, `assumed`), prints the shares of the
predicted data below and above which the measured data fell: the lowest
and highest needed so that every calibration program's measured peak is
inside its interval (with `--coverage` below 1, the conformal quantiles
instead). The forecast's interval is

    baseline * 0.92 + data * low  ..  baseline * 1.05 + data * high + 2 MiB

(`prescient-profile`'s `memory_width`). Only aggregates are printed, never
a program's name: the sets it reads stay held out from tuning.

Usage: calibrate_intervals.py [--coverage 0.95] results.json...
"""

import argparse
import json
import math
import sys

BASELINE_LOW = 0.92
BASELINE_HIGH = 1.05
SLACK = 2.0 * 1048576.0
# Data this small is inside the slack and the baseline's band whatever the
# share: it says nothing about the share.
MIN_DATA = 4.0 * 1048576.0


def needed(row):
    """The low and high shares this program needs, or None."""
    b = row.get("first_sight_bounds") or {}
    base = b.get("baseline_memory")
    basis = b.get("memory_basis")
    if not base or not basis or row.get("status") != "ok":
        return None
    pred = row["first_sight"]["peak_memory_bytes"]
    actual = row["actual"]["peak_memory_bytes"]
    data = pred - base
    if data < MIN_DATA and actual - base < MIN_DATA:
        return None
    data = max(data, MIN_DATA)
    high = max(0.0, (actual - BASELINE_HIGH * base - SLACK) / data)
    low = max(0.0, (actual - BASELINE_LOW * base) / data)
    return basis, low, high


def quantile(xs, q):
    """The conformal quantile: the ceil((n + 1) q)-th smallest, the largest
    when that is past the end."""
    xs = sorted(xs)
    k = math.ceil((len(xs) + 1) * q)
    return xs[min(max(k, 1), len(xs)) - 1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--coverage", type=float, default=1.0)
    a = ap.parse_args()
    by = {}
    for f in a.files:
        with open(f) as fh:
            for row in json.load(fh).get("results", []):
                n = needed(row)
                if n:
                    by.setdefault(n[0], []).append(n[1:])
    if not by:
        sys.exit("no rows with a baseline and a basis: re-run `prescient eval --measured ... --json`")
    tail = (1.0 - a.coverage) / 2.0
    print(f"{'basis':8s} {'n':>3s} {'low':>6s} {'high':>6s}")
    for basis in ("arrays", "objects", "assumed"):
        rows = by.get(basis, [])
        if not rows:
            continue
        lows = [-l for l, _ in rows]
        highs = [h for _, h in rows]
        low = -quantile(lows, 1.0 - tail)
        high = quantile(highs, 1.0 - tail)
        print(f"{basis:8s} {len(rows):3d} {low:6.2f} {high:6.2f}")


if __name__ == "__main__":
    main()
