"""Deep-merge layered JSON configurations and validate them against a schema of types."""
import copy
import json
import random


def deep_merge(base, override):
    out = copy.copy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def flatten(cfg, prefix=""):
    items = {}
    for key, value in cfg.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            items.update(flatten(value, path))
        else:
            items[path] = value
    return items


def random_config(rng, depth, breadth):
    if depth == 0:
        kind = rng.random()
        if kind < 0.4:
            return rng.randint(0, 1000)
        if kind < 0.7:
            return f"value-{rng.randint(0, 99)}"
        if kind < 0.85:
            return rng.random() < 0.5
        return [rng.randint(0, 9) for _ in range(3)]
    return {f"k{i}": random_config(rng, depth - 1, breadth) for i in range(breadth)}


def validate(flat, schema):
    errors = []
    for path, kind in schema.items():
        if path in flat and type(flat[path]).__name__ != kind:
            errors.append(path)
    return errors


def main():
    rng = random.Random(1)
    base = random_config(rng, 5, 5)
    schema = {path: type(v).__name__ for path, v in flatten(base).items()}
    total_errors = 0
    merged_size = 0
    for env in range(500):
        layer = random_config(rng, 4, 3)
        text = json.dumps({"k0": layer, "k1": random_config(rng, 3, 4)})
        merged = deep_merge(base, json.loads(text))
        flat = flatten(merged)
        total_errors += len(validate(flat, schema))
        merged_size += len(json.dumps(merged))
    print("errors", total_errors, "bytes", merged_size)


if __name__ == "__main__":
    main()
