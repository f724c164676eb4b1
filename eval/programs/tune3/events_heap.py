"""A timer wheel of callbacks: tuples in a heap, a dict of pending ids, and
cancellations."""
import heapq
import random
import sys


def main(n):
    rng = random.Random(6)
    heap = []
    pending = {}
    fired = 0
    now = 0.0
    for i in range(n):
        t = now + rng.expovariate(0.5)
        heapq.heappush(heap, (t, i))
        pending[i] = t
        if i % 5 == 0 and pending:
            victim = rng.randrange(max(0, i - 50), i + 1)
            pending.pop(victim, None)
        while heap and heap[0][0] <= now:
            t, j = heapq.heappop(heap)
            if pending.pop(j, None) is not None:
                fired += 1
        now += 0.3
    print(fired, len(heap))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400000)
