"""A priority job queue with worker objects, retries and deadlines, run as a simulation."""
import heapq
import itertools
import random
from dataclasses import dataclass, field
from enum import Enum


class Status(Enum):
    PENDING = 1
    RUNNING = 2
    DONE = 3
    FAILED = 4


@dataclass(order=True)
class Job:
    priority: int
    seq: int
    name: str = field(compare=False)
    duration: float = field(compare=False)
    attempts: int = field(default=0, compare=False)
    status: Status = field(default=Status.PENDING, compare=False)


class Worker:
    def __init__(self, wid, speed):
        self.wid = wid
        self.speed = speed
        self.busy_until = 0.0
        self.completed = 0


class Scheduler:
    def __init__(self, workers, rng):
        self.queue = []
        self.workers = workers
        self.rng = rng
        self.counter = itertools.count()
        self.finished = []
        self.failed = 0

    def submit(self, name, priority, duration):
        heapq.heappush(self.queue, Job(priority, next(self.counter), name, duration))

    def step(self, now):
        for w in self.workers:
            if w.busy_until > now or not self.queue:
                continue
            job = heapq.heappop(self.queue)
            job.status = Status.RUNNING
            job.attempts += 1
            if self.rng.random() < 0.08 and job.attempts < 3:
                job.status = Status.PENDING
                heapq.heappush(self.queue, Job(job.priority + 1, next(self.counter), job.name, job.duration, job.attempts))
                continue
            w.busy_until = now + job.duration / w.speed
            w.completed += 1
            job.status = Status.DONE if job.attempts < 3 else Status.FAILED
            if job.status is Status.FAILED:
                self.failed += 1
            self.finished.append(job)


def main():
    rng = random.Random(9)
    workers = [Worker(i, rng.uniform(0.5, 2.0)) for i in range(16)]
    sched = Scheduler(workers, rng)
    now = 0.0
    for tick in range(250000):
        for _ in range(rng.randint(0, 3)):
            sched.submit(f"job-{tick}", rng.randint(0, 9), rng.expovariate(1.0) * 4)
        sched.step(now)
        now += 1.0
    per_worker = sorted((w.completed for w in workers), reverse=True)
    print("finished", len(sched.finished), "failed", sched.failed, "left", len(sched.queue))
    print("busiest", per_worker[:3])


if __name__ == "__main__":
    main()
