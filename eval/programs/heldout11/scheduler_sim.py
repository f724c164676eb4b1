"""A discrete-event simulation of a job scheduler: a priority queue of events, worker objects, job classes."""
import heapq
import itertools
import random
import sys


class Job:
    _ids = itertools.count()

    def __init__(self, arrival, size, priority):
        self.id = next(Job._ids)
        self.arrival = arrival
        self.size = size
        self.priority = priority
        self.start = None
        self.end = None

    def __lt__(self, other):
        return (self.priority, self.arrival) < (other.priority, other.arrival)


class Worker:
    def __init__(self, wid, speed):
        self.wid = wid
        self.speed = speed
        self.busy_until = 0.0
        self.done = 0


class Simulator:
    def __init__(self, workers, rng):
        self.workers = workers
        self.idle = list(workers)
        self.queue = []
        self.events = []
        self.counter = itertools.count()
        self.rng = rng
        self.finished = []
        self.now = 0.0

    def schedule(self, time, kind, data):
        heapq.heappush(self.events, (time, next(self.counter), kind, data))

    def dispatch(self):
        while self.idle and self.queue:
            job = heapq.heappop(self.queue)
            worker = self.idle.pop()
            job.start = self.now
            duration = job.size / worker.speed
            self.schedule(self.now + duration, "finish", (worker, job))

    def run(self, jobs):
        t = 0.0
        for _ in range(jobs):
            t += self.rng.expovariate(1.0)
            self.schedule(t, "arrive", Job(t, self.rng.paretovariate(2.5), self.rng.randint(0, 3)))
        while self.events:
            self.now, _, kind, data = heapq.heappop(self.events)
            if kind == "arrive":
                heapq.heappush(self.queue, data)
            else:
                worker, job = data
                job.end = self.now
                worker.done += 1
                self.finished.append(job)
                self.idle.append(worker)
            self.dispatch()


def main():
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    rng = random.Random(12)
    workers = [Worker(i, rng.uniform(0.5, 2.0)) for i in range(3)]
    sim = Simulator(workers, rng)
    sim.run(jobs)
    waits = sorted(j.start - j.arrival for j in sim.finished)
    print("finished", len(sim.finished), "p50 wait %.2f p99 %.2f" % (waits[len(waits) // 2], waits[int(len(waits) * 0.99)]))


if __name__ == "__main__":
    main()
