"""Greedy selection of non-overlapping bookings: each request is accepted
if it overlaps none of those accepted so far."""
import random
import sys


class Booking:
    def __init__(self, start, end, who):
        self.start = start
        self.end = end
        self.who = who

    def overlaps(self, other):
        return self.start < other.end and other.start < self.end


def main(n):
    rng = random.Random(5)
    accepted = []
    refused = 0
    for i in range(n):
        s = rng.uniform(0, n * 10.0)
        b = Booking(s, s + rng.uniform(1, 30), f"guest{i}")
        if any(b.overlaps(a) for a in accepted):
            refused += 1
        else:
            accepted.append(b)
    print(len(accepted), refused)


if __name__ == "__main__":
    main(int(sys.argv[1]))
