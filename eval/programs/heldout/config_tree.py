"""Nested configuration trees: build, deep-copy, mutate and serialise."""
import copy
import json
import sys


def build(depth, width):
    if depth == 0:
        return {"value": depth * 1.5, "tags": ["a", "b", "c"]}
    return {f"k{i}": build(depth - 1, width) for i in range(width)}


def bump(tree):
    for k, v in tree.items():
        if isinstance(v, dict):
            bump(v)
        elif k == "value":
            tree[k] = v + 1


def main():
    depth = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    tree = build(depth, 5)
    copies = []
    for _ in range(5):
        c = copy.deepcopy(tree)
        bump(c)
        copies.append(c)
    text = json.dumps(copies)
    print(len(text))


if __name__ == "__main__":
    main()
