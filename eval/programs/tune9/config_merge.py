"""Layered configurations: defaults, environment and user layers as JSON
texts, merged deeply, validated and serialised back."""
import json
import random
import sys


def make_layer(rng, depth, width):
    if depth == 0:
        return rng.choice([rng.randint(0, 100), rng.random(), "v%d" % rng.randint(0, 9), True, None])
    return {f"k{rng.randint(0, width * 2)}": make_layer(rng, depth - 1, width) for _ in range(width)}


def merge(base, over):
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


def count_leaves(cfg):
    if not isinstance(cfg, dict):
        return 1
    return sum(count_leaves(v) for v in cfg.values())


def main(rounds):
    rng = random.Random(7)
    leaves = 0
    size = 0
    for _ in range(rounds):
        layers = [json.dumps(make_layer(rng, 3, 6)) for _ in range(3)]
        cfg = {}
        for text in layers:
            cfg = merge(cfg, json.loads(text))
        text = json.dumps(cfg, sort_keys=True, indent=2)
        size += len(text)
        leaves += count_leaves(json.loads(text))
    print(leaves, size)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
