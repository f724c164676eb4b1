#!/usr/bin/env python3
"""Builds standalone programs from pyperformance's benchmarks for `prescient eval`.

pyperformance (https://github.com/python/pyperformance, on PyPI) is CPython's
own benchmark suite: pure-Python programs written by others (object-oriented
schedulers and solvers, a ray tracer, n-body, generators, deep copies, JSON,
logging). Each benchmark's `run_benchmark.py` runs under `pyperf`, which
picks loop counts itself and forks workers. Prescient analyses one file as a
user would submit it, so each benchmark becomes one program: its own code,
unchanged, with `import pyperf` replaced by a small stand-in that runs the
benchmark a fixed number of loops given by `--loops`. The code stays
pyperformance's; nothing is copied into this repository, the programs are
written to OUT.

Each program is run once with `--loops 1` to choose its loop count, so that a
run takes about `--seconds`; benchmarks that fail (a third-party import, a
data file, asyncio or subprocess harnesses) are skipped with the reason.

Benchmarks are split into two sets by a stable hash of their name: `tune/`
may be looked at while improving the model, `heldout/` must not be. Each set
gets a `manifest.toml` with every program's arguments.

usage: pyperformance_build.py BENCHMARKS OUT [--python PY] [--seconds S]
  BENCHMARKS is pyperformance's `data-files/benchmarks` directory, e.g. from
  `pip download pyperformance --no-deps` unpacked.
"""
import argparse
import pathlib
import subprocess
import sys
import time
import zlib

# What stands in for pyperf: the benchmark's functions run `--loops` times.
SHIM = '''# --- Stand-in for pyperf, written by Prescient's eval/pyperformance_build.py:
# each benchmark function runs a fixed number of loops, given by --loops. ---
import argparse as _argparse
import time as _time


class _Runner:
    def __init__(self, *args, **kwargs):
        self.metadata = {}
        self.argparser = _argparse.ArgumentParser()
        self.argparser.add_argument("--loops", type=int, default=1)
        self.args = None

    def parse_args(self, args=None):
        if self.args is None:
            self.args = self.argparser.parse_args(args)
        return self.args

    def bench_func(self, name, func, *args, **kwargs):
        for _ in range(self.parse_args().loops):
            func(*args)

    def bench_time_func(self, name, func, *args, **kwargs):
        return func(self.parse_args().loops, *args)


class pyperf:
    Runner = _Runner
    perf_counter = _time.perf_counter
# --- end of the stand-in ---
'''

# Harnesses the stand-in does not provide.
UNSUPPORTED = ("bench_async_func", "bench_command", "python_implementation")


def build(benchmarks: pathlib.Path, out: pathlib.Path, python: str, seconds: float) -> int:
    dirs = sorted(d for d in benchmarks.glob("bm_*") if (d / "run_benchmark.py").exists())
    if not dirs:
        sys.exit(f"{benchmarks}: no bm_*/run_benchmark.py (not pyperformance's benchmarks directory?)")
    manifests = {"tune": [], "heldout": []}
    for d in dirs:
        name = d.name[3:]
        extra = [p.name for p in d.iterdir() if p.name not in ("run_benchmark.py", "pyproject.toml")]
        if extra:
            print(f"skip {name}: needs {', '.join(sorted(extra))}", file=sys.stderr)
            continue
        src = (d / "run_benchmark.py").read_text()
        bad = [u for u in UNSUPPORTED if u in src]
        if bad:
            print(f"skip {name}: uses {bad[0]}", file=sys.stderr)
            continue
        if "\nimport pyperf\n" not in src:
            print(f"skip {name}: no plain `import pyperf`", file=sys.stderr)
            continue
        text = (
            f"# pyperformance benchmark {name}, built by eval/pyperformance_build.py.\n"
            + src.replace("\nimport pyperf\n", "\n" + SHIM, 1)
        )
        part = "heldout" if zlib.crc32(name.encode()) % 2 else "tune"
        # The `bm_` prefix keeps a program from shadowing the module it
        # exercises (`logging.py` would be imported as `logging`).
        target = out / part / f"bm_{name}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        t0 = time.perf_counter()
        try:
            run = subprocess.run(
                [python, str(target), "--loops", "1"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=60,
                cwd=target.parent,
            )
        except subprocess.TimeoutExpired:
            print(f"skip {name}: one loop takes over 60 s", file=sys.stderr)
            target.unlink()
            continue
        one = time.perf_counter() - t0
        if run.returncode != 0:
            why = run.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["failed"]
            print(f"skip {name}: {why[0]}", file=sys.stderr)
            target.unlink()
            continue
        # The start-up (about 0.05 s) is in the one-loop time too; the
        # loops fill the rest.
        loops = max(1, min(100000, round(seconds / max(one - 0.05, 1e-3))))
        manifests[part].append((target.name, loops))
    for part, progs in manifests.items():
        if not progs:
            continue
        lines = [
            "# pyperformance benchmarks built by eval/pyperformance_build.py:",
            "# each runs its loops count (chosen for about the same run time).",
            "[defaults]",
            "timeout = 120.0",
            "",
        ]
        for prog, loops in progs:
            lines.append(f'[programs."{prog}"]')
            lines.append(f'args = ["--loops", "{loops}"]')
        (out / part / "manifest.toml").write_text("\n".join(lines) + "\n")
    return sum(len(p) for p in manifests.values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("benchmarks", type=pathlib.Path)
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--python", default=sys.executable, help="interpreter the programs are timed with")
    ap.add_argument("--seconds", type=float, default=1.5, help="aimed run time of each program")
    a = ap.parse_args()
    n = build(a.benchmarks, a.out, a.python, a.seconds)
    print(f"{n} programs written to {a.out}/tune and {a.out}/heldout")


if __name__ == "__main__":
    main()
