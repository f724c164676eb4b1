#!/usr/bin/env python3
"""Calibrates the width of the memory and time intervals from programs the
model was not tuned on (split conformal prediction).

Reads the JSON that `prescient eval --json` writes (first-sight forecast,
its interval, the baseline and how the peak's data was sized) and, for each
way of sizing (`arrays`, `objects`, `assumed`), prints the shares of the
predicted data below and above which the measured data fell: the lowest
and highest needed so that every calibration program's measured peak is
inside its interval (with `--coverage` below 1, the conformal quantiles
instead). The forecast's interval is

    baseline * 0.92 + data * low  ..  baseline * 1.05 + data * high + 2 MiB

(`prescient-profile`'s `memory_width`). For time, by how the work that
takes most of it was costed (`library`, `interpreted`, `assumed`), it prints
the factors the predicted work had to be divided and multiplied by: the
interval is

    startup * 0.85 + work / below  ..  startup * 1.3 + work * above

(`time_width`). Only aggregates are printed, never a program's name: the
sets it reads stay held out from tuning.

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


# Work this short is within the start-up's band: it says nothing.
MIN_WORK = 0.02


def needed_time(row):
    """The below and above factors this program needs, or None."""
    b = row.get("first_sight_bounds") or {}
    startup = b.get("startup")
    basis = b.get("wall_basis")
    if startup is None or not basis or row.get("status") != "ok":
        return None
    pred = row["first_sight"]["wall_seconds"]
    actual = row["actual"]["wall_seconds"]
    work = pred - startup
    if work < MIN_WORK:
        return None
    above = max(1.0, (actual - 1.3 * startup) / work)
    rest = actual - 0.85 * startup
    below = max(1.0, work / rest) if rest > 0 else float("inf")
    return basis, below, above


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
    times = {}
    for f in a.files:
        with open(f) as fh:
            for row in json.load(fh).get("results", []):
                n = needed(row)
                if n:
                    by.setdefault(n[0], []).append(n[1:])
                t = needed_time(row)
                if t:
                    times.setdefault(t[0], []).append(t[1:])
    if not by:
        sys.exit("no rows with a baseline and a basis: re-run `prescient eval --measured ... --json`")
    tail = (1.0 - a.coverage) / 2.0
    print(f"{'memory':8s} {'n':>3s} {'low':>6s} {'high':>6s}")
    for basis in ("arrays", "objects", "assumed"):
        rows = by.get(basis, [])
        if not rows:
            continue
        lows = [-l for l, _ in rows]
        highs = [h for _, h in rows]
        low = -quantile(lows, 1.0 - tail)
        high = quantile(highs, 1.0 - tail)
        print(f"{basis:8s} {len(rows):3d} {low:6.2f} {high:6.2f}")
    print(f"\n{'time':12s} {'n':>3s} {'below':>6s} {'above':>6s}")
    for basis in ("library", "interpreted", "assumed"):
        rows = times.get(basis, [])
        if not rows:
            continue
        below = quantile([x for x, _ in rows], 1.0 - tail)
        above = quantile([x for _, x in rows], 1.0 - tail)
        print(f"{basis:12s} {len(rows):3d} {below:6.2f} {above:6.2f}")


if __name__ == "__main__":
    main()
