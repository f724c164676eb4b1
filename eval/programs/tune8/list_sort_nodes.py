"""Insertion into a sorted singly linked list of node objects, then a
walk that sums every other node."""
import random
import sys


class Node:
    __slots__ = ("v", "nxt")

    def __init__(self, v, nxt=None):
        self.v = v
        self.nxt = nxt


class SortedList:
    def __init__(self):
        self.head = None
        self.n = 0

    def insert(self, v):
        self.n += 1
        if self.head is None or v < self.head.v:
            self.head = Node(v, self.head)
            return
        cur = self.head
        while cur.nxt is not None and cur.nxt.v < v:
            cur = cur.nxt
        cur.nxt = Node(v, cur.nxt)

    def alternate_sum(self):
        s = 0.0
        cur = self.head
        odd = True
        while cur:
            if odd:
                s += cur.v
            odd = not odd
            cur = cur.nxt
        return s


def main():
    n = int(sys.argv[1])
    rng = random.Random(9)
    sl = SortedList()
    for _ in range(n):
        sl.insert(rng.random())
    print(sl.n, round(sl.alternate_sum(), 3))


if __name__ == "__main__":
    main()
