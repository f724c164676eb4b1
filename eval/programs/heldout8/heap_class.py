"""A binary min-heap written as a class (sift up, sift down), used for a
heap sort and a running top-k over a stream of records."""
import argparse
import random


class MinHeap:
    def __init__(self, key=lambda x: x):
        self.items = []
        self.key = key

    def __len__(self):
        return len(self.items)

    def push(self, item):
        a = self.items
        a.append(item)
        i = len(a) - 1
        k = self.key
        while i > 0:
            p = (i - 1) // 2
            if k(a[i]) < k(a[p]):
                a[i], a[p] = a[p], a[i]
                i = p
            else:
                break

    def pop(self):
        a = self.items
        top = a[0]
        last = a.pop()
        if a:
            a[0] = last
            self._sift_down(0)
        return top

    def _sift_down(self, i):
        a = self.items
        k = self.key
        n = len(a)
        while True:
            l = 2 * i + 1
            if l >= n:
                return
            c = l
            r = l + 1
            if r < n and k(a[r]) < k(a[l]):
                c = r
            if k(a[c]) < k(a[i]):
                a[i], a[c] = a[c], a[i]
                i = c
            else:
                return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--k", type=int, default=100)
    args = ap.parse_args()
    rng = random.Random(11)
    data = [rng.random() for _ in range(args.n)]
    h = MinHeap()
    for x in data:
        h.push(x)
    out = [h.pop() for _ in range(len(h))]
    print("sorted", out[:3], out == sorted(data))
    top = MinHeap(key=lambda rec: rec[1])
    for i, x in enumerate(data):
        top.push((i, x))
        if len(top) > args.k:
            top.pop()
    print("top", sorted(r[1] for r in top.items)[-3:])


if __name__ == "__main__":
    main()
