"""A discrete-event simulation: event subclasses on a heap of (time, seq,
event), each handled by a method looked up by name."""
import argparse
import heapq
import random


class Event:
    kind = "event"

    def __init__(self, t, who):
        self.t = t
        self.who = who


class Arrive(Event):
    kind = "arrive"


class Serve(Event):
    kind = "serve"


class Leave(Event):
    kind = "leave"


class Sim:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.heap = []
        self.seq = 0
        self.busy = 0
        self.queue = []
        self.served = 0
        self.wait = 0.0

    def push(self, ev):
        self.seq += 1
        heapq.heappush(self.heap, (ev.t, self.seq, ev))

    def on_arrive(self, ev):
        if self.busy < 4:
            self.busy += 1
            self.push(Serve(ev.t, ev.who))
        else:
            self.queue.append(ev)

    def on_serve(self, ev):
        self.push(Leave(ev.t + self.rng.expovariate(1.0), ev.who))

    def on_leave(self, ev):
        self.served += 1
        if self.queue:
            nxt = self.queue.pop(0)
            self.wait += ev.t - nxt.t
            self.push(Serve(ev.t, nxt.who))
        else:
            self.busy -= 1

    def run(self, customers):
        t = 0.0
        for c in range(customers):
            t += self.rng.expovariate(3.5)
            self.push(Arrive(t, c))
        while self.heap:
            _, _, ev = heapq.heappop(self.heap)
            getattr(self, "on_" + ev.kind)(ev)
        return self.served, self.wait / max(self.served, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("customers", type=int)
    args = ap.parse_args()
    print(Sim(2).run(args.customers))


if __name__ == "__main__":
    main()
