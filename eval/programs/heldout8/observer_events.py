"""An event bus with subscriber classes: handlers registered per topic,
events published in a loop, each subscriber keeping its own statistics."""
import argparse
import random
from collections import defaultdict


class Event:
    __slots__ = ("topic", "value", "seq")

    def __init__(self, topic, value, seq):
        self.topic = topic
        self.value = value
        self.seq = seq


class Bus:
    def __init__(self):
        self.handlers = defaultdict(list)
        self.delivered = 0

    def subscribe(self, topic, handler):
        self.handlers[topic].append(handler)

    def publish(self, event):
        for h in self.handlers[event.topic]:
            h.handle(event)
            self.delivered += 1


class Subscriber:
    def __init__(self, name):
        self.name = name
        self.count = 0

    def handle(self, event):
        self.count += 1


class Averager(Subscriber):
    def __init__(self, name):
        super().__init__(name)
        self.total = 0.0

    def handle(self, event):
        super().handle(event)
        self.total += event.value

    @property
    def mean(self):
        return self.total / self.count if self.count else 0.0


class Threshold(Subscriber):
    def __init__(self, name, limit):
        super().__init__(name)
        self.limit = limit
        self.alerts = []

    def handle(self, event):
        super().handle(event)
        if event.value > self.limit:
            self.alerts.append(event.seq)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("events", type=int)
    ap.add_argument("--topics", type=int, default=20)
    args = ap.parse_args()
    rng = random.Random(1)
    bus = Bus()
    topics = [f"sensor/{i}" for i in range(args.topics)]
    subs = []
    for i, t in enumerate(topics):
        a = Averager(f"avg{i}")
        th = Threshold(f"th{i}", 0.95)
        bus.subscribe(t, a)
        bus.subscribe(t, th)
        if i % 3 == 0:
            bus.subscribe(t, Subscriber(f"count{i}"))
        subs.extend([a, th])
    for seq in range(args.events):
        bus.publish(Event(rng.choice(topics), rng.random(), seq))
    alerts = sum(len(s.alerts) for s in subs if isinstance(s, Threshold))
    means = [round(s.mean, 3) for s in subs if isinstance(s, Averager)]
    print("delivered", bus.delivered, "alerts", alerts, means[:3])


if __name__ == "__main__":
    main()
