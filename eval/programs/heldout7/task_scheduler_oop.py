"""A Richards-style scheduler: devices, workers and handlers as subclasses of
a Task base class that pass packets through a scheduler's queue."""
import argparse
from collections import deque


class Packet:
    __slots__ = ("kind", "payload", "dest")

    def __init__(self, kind, dest):
        self.kind = kind
        self.dest = dest
        self.payload = [0] * 4


class Task:
    def __init__(self, tid, sched):
        self.tid = tid
        self.sched = sched
        self.inbox = deque()
        self.runs = 0

    def deliver(self, packet):
        self.inbox.append(packet)

    def step(self):
        raise NotImplementedError


class Worker(Task):
    def __init__(self, tid, sched, handlers):
        super().__init__(tid, sched)
        self.handlers = handlers
        self.count = 0

    def step(self):
        self.runs += 1
        if not self.inbox:
            return
        p = self.inbox.popleft()
        self.count = (self.count + 1) % len(self.handlers)
        for i in range(len(p.payload)):
            p.payload[i] = (p.payload[i] + self.count + i) % 26
        p.dest = self.handlers[self.count]
        self.sched.send(p)


class Handler(Task):
    def __init__(self, tid, sched, device):
        super().__init__(tid, sched)
        self.device = device
        self.done = 0

    def step(self):
        self.runs += 1
        if self.inbox:
            p = self.inbox.popleft()
            p.dest = self.device
            self.done += 1
            self.sched.send(p)


class Device(Task):
    def __init__(self, tid, sched, worker):
        super().__init__(tid, sched)
        self.worker = worker
        self.handled = 0

    def step(self):
        self.runs += 1
        while self.inbox:
            p = self.inbox.popleft()
            self.handled += sum(p.payload)
            p.dest = self.worker
            self.sched.send(p)


class Scheduler:
    def __init__(self):
        self.tasks = {}
        self.sent = 0

    def add(self, task):
        self.tasks[task.tid] = task

    def send(self, packet):
        self.sent += 1
        self.tasks[packet.dest].deliver(packet)

    def run(self, rounds):
        order = sorted(self.tasks)
        for _ in range(rounds):
            for tid in order:
                self.tasks[tid].step()


def build(n_packets):
    s = Scheduler()
    s.add(Worker(0, s, [1, 2]))
    s.add(Handler(1, s, 3))
    s.add(Handler(2, s, 4))
    s.add(Device(3, s, 0))
    s.add(Device(4, s, 0))
    for k in range(n_packets):
        s.tasks[0].deliver(Packet(k % 2, 0))
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--packets", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=100000)
    a = ap.parse_args()
    s = build(a.packets)
    s.run(a.rounds)
    print("sent", s.sent, "handled", sum(t.handled for t in s.tasks.values() if isinstance(t, Device)))


if __name__ == "__main__":
    main()
