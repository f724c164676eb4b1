"""Builds a random binary search tree of nodes, then walks it recursively:
height, sum, in-order list, and a range count."""
import random
import sys

sys.setrecursionlimit(10000)


class Node:
    def __init__(self, key):
        self.key = key
        self.left = None
        self.right = None


def insert(root, key):
    node = root
    while True:
        if key < node.key:
            if node.left is None:
                node.left = Node(key)
                return
            node = node.left
        else:
            if node.right is None:
                node.right = Node(key)
                return
            node = node.right


def height(n):
    if n is None:
        return 0
    return 1 + max(height(n.left), height(n.right))


def inorder(n, out):
    if n is not None:
        inorder(n.left, out)
        out.append(n.key)
        inorder(n.right, out)


def count_range(n, lo, hi):
    if n is None:
        return 0
    c = 1 if lo <= n.key < hi else 0
    if n.key >= lo:
        c += count_range(n.left, lo, hi)
    if n.key < hi:
        c += count_range(n.right, lo, hi)
    return c


def main(n):
    rng = random.Random(3)
    root = Node(rng.random())
    for _ in range(n - 1):
        insert(root, rng.random())
    out = []
    inorder(root, out)
    print(height(root), len(out), count_range(root, 0.25, 0.5))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200000)
