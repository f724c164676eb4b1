"""Discrete-event simulation of a clinic: patients arrive, wait for one of
several doctors, are treated; events in a heap, records in dataclasses."""
import heapq
import random
import sys
from dataclasses import dataclass, field


@dataclass(order=True)
class Event:
    time: float
    kind: int = field(compare=False)
    patient: int = field(compare=False)


@dataclass
class Patient:
    pid: int
    arrived: float
    started: float = 0.0
    done: float = 0.0


def simulate(n_patients, doctors, rng):
    events = []
    t = 0.0
    patients = []
    for pid in range(n_patients):
        t += rng.expovariate(1.0)
        patients.append(Patient(pid, t))
        heapq.heappush(events, Event(t, 0, pid))
    free = doctors
    waiting = []
    while events:
        ev = heapq.heappop(events)
        p = patients[ev.patient]
        if ev.kind == 0:
            if free > 0:
                free -= 1
                p.started = ev.time
                heapq.heappush(events, Event(ev.time + rng.expovariate(1.0 / (doctors * 0.9)), 1, p.pid))
            else:
                waiting.append(p.pid)
        else:
            p.done = ev.time
            if waiting:
                nxt = patients[waiting.pop(0)]
                nxt.started = ev.time
                heapq.heappush(events, Event(ev.time + rng.expovariate(1.0 / (doctors * 0.9)), 1, nxt.pid))
            else:
                free += 1
    waits = [p.started - p.arrived for p in patients]
    return sum(waits) / len(waits), max(waits)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    mean, worst = simulate(n, 4, random.Random(2))
    print(f"mean wait {mean:.2f}, worst {worst:.2f}")


if __name__ == "__main__":
    main()
