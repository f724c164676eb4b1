"""A discrete-event simulation of a service desk: arrivals and departures in
a heapq of (time, seq, kind, customer), servers as objects, queue as deque."""
import heapq
import random
import sys
from collections import deque


class Server:
    def __init__(self, sid):
        self.sid = sid
        self.busy_until = 0.0
        self.served = 0


class Customer:
    __slots__ = ("cid", "arrived", "started")

    def __init__(self, cid, arrived):
        self.cid = cid
        self.arrived = arrived
        self.started = None


def simulate(n_customers, n_servers, rng):
    events = []
    seq = 0
    t = 0.0
    for c in range(n_customers):
        t += rng.expovariate(1.0)
        heapq.heappush(events, (t, seq, "arrive", Customer(c, t)))
        seq += 1
    free = [Server(i) for i in range(n_servers)]
    queue = deque()
    waits = []
    while events:
        now, _, kind, cust = heapq.heappop(events)
        if kind == "arrive":
            queue.append(cust)
        else:
            free.append(cust)
        while queue and free:
            c = queue.popleft()
            s = free.pop()
            c.started = now
            waits.append(now - c.arrived)
            s.served += 1
            heapq.heappush(events, (now + rng.expovariate(1.0 / (n_servers * 0.9)), seq, "depart", s))
            seq += 1
    return waits


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    servers = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    waits = simulate(n, servers, random.Random(7))
    waits.sort()
    print("median wait", round(waits[len(waits) // 2], 3), "p95", round(waits[int(len(waits) * 0.95)], 3))


if __name__ == "__main__":
    main()
