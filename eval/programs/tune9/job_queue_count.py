"""A priority job queue: jobs are order=True dataclasses on a heap, with a
counter breaking ties; some jobs spawn follow-ups."""
import heapq
import itertools
import random
import sys
from dataclasses import dataclass, field


@dataclass(order=True)
class Job:
    priority: int
    seq: int
    name: str = field(compare=False)
    cost: int = field(compare=False, default=1)


class Queue:
    def __init__(self):
        self.heap = []
        self.counter = itertools.count()
        self.done = 0
        self.work = 0

    def submit(self, priority, name, cost):
        heapq.heappush(self.heap, Job(priority, next(self.counter), name, cost))

    def run(self, rng):
        while self.heap:
            job = heapq.heappop(self.heap)
            self.done += 1
            self.work += job.cost
            if job.priority > 1 and rng.random() < 0.3:
                self.submit(job.priority - 1, job.name + "+", job.cost // 2 + 1)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    rng = random.Random(5)
    q = Queue()
    for i in range(n):
        q.submit(rng.randint(1, 9), f"job{i}", rng.randint(1, 20))
    q.run(rng)
    print(q.done, q.work)


if __name__ == "__main__":
    main()
