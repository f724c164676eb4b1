"""Discrete-event simulation of a bank of servers with heapq."""
import heapq
import random
import sys


class Sim:
    def __init__(self, servers, seed):
        self.rnd = random.Random(seed)
        self.free = servers
        self.events = []
        self.waiting = []
        self.served = 0
        self.wait_total = 0.0

    def schedule(self, t, kind, data=None):
        heapq.heappush(self.events, (t, kind, data))

    def run(self, customers):
        t = 0.0
        for i in range(customers):
            t += self.rnd.expovariate(1.0)
            self.schedule(t, 0, t)
        while self.events:
            now, kind, data = heapq.heappop(self.events)
            if kind == 0:
                if self.free:
                    self.free -= 1
                    self.schedule(now + self.rnd.expovariate(0.3), 1)
                else:
                    self.waiting.append(data)
            else:
                self.served += 1
                if self.waiting:
                    arrived = self.waiting.pop(0)
                    self.wait_total += now - arrived
                    self.schedule(now + self.rnd.expovariate(0.3), 1)
                else:
                    self.free += 1
        return self.served, self.wait_total / max(self.served, 1)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    print(Sim(4, 11).run(n))
