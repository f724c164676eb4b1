#!/usr/bin/env python3
"""Builds standalone programs from an NPBench checkout for `prescient eval`.

NPBench (https://github.com/spcl/npbench) keeps each kernel's NumPy version and
its input initialisation in separate modules, run by its own harness. Prescient
analyses one file as a user would submit it, so each benchmark becomes one
program: the initialisation module, the NumPy kernel module and a main guard
that calls them with one preset's sizes. The code stays NPBench's; nothing is
copied into this repository, the programs are written to OUT.

Benchmarks are split into two sets by a stable hash of their name: `tune/`
may be looked at while improving the model, `heldout/` must not be. Each set
gets a `manifest.toml` with a timeout.

usage: npbench_build.py CHECKOUT OUT [--preset S]
"""
import argparse
import json
import pathlib
import sys
import zlib


def build(checkout: pathlib.Path, out: pathlib.Path, preset: str) -> int:
    infos = sorted((checkout / "bench_info").glob("*.json"))
    if not infos:
        sys.exit(f"{checkout}: no bench_info/*.json (not an NPBench checkout?)")
    made = 0
    for info_path in infos:
        b = json.loads(info_path.read_text())["benchmark"]
        rel = checkout / "npbench" / "benchmarks" / b["relative_path"]
        init_src = rel / f"{b['module_name']}.py"
        kern_src = rel / f"{b['module_name']}_numpy.py"
        init = b.get("init")
        if not kern_src.exists() or (init and not init_src.exists()):
            print(f"skip {b['short_name']}: no NumPy version", file=sys.stderr)
            continue
        params = b["parameters"].get(preset)
        if params is None:
            print(f"skip {b['short_name']}: no preset {preset}", file=sys.stderr)
            continue
        lines = [f"# NPBench {b['short_name']} ({b['name']}), preset {preset}."]
        lines.append(f"# Built by eval/npbench_build.py from {b['relative_path']}.")
        if init:
            lines.append(init_src.read_text())
        lines.append(kern_src.read_text())
        lines.append("")
        lines.append('if __name__ == "__main__":')
        for k, v in params.items():
            lines.append(f"    {k} = {v!r}")
        if init:
            outs = init["output_args"]
            call = f"{init['func_name']}({', '.join(init['input_args'])})"
            lines.append(f"    {', '.join(outs)} = {call}")
        lines.append(f"    {b['func_name']}({', '.join(b['input_args'])})")
        name = f"{info_path.stem}.py"
        part = "heldout" if zlib.crc32(info_path.stem.encode()) % 2 else "tune"
        d = out / part
        d.mkdir(parents=True, exist_ok=True)
        (d / name).write_text("\n".join(lines) + "\n")
        made += 1
    for part in ("tune", "heldout"):
        d = out / part
        if d.exists():
            (d / "manifest.toml").write_text(
                "# NPBench programs: defaults for every program.\n"
                "[defaults]\ntimeout = 120.0\n"
            )
    return made


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkout", type=pathlib.Path)
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--preset", default="S")
    a = ap.parse_args()
    n = build(a.checkout, a.out, a.preset)
    print(f"{n} programs written to {a.out}/tune and {a.out}/heldout")


if __name__ == "__main__":
    main()
