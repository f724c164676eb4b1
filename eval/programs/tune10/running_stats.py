"""Running statistics over a stream of sensor readings: after each reading
the median and the mean of everything so far are reported, as a naive
dashboard script computes them."""
import random
import sys


def main(n):
    rng = random.Random(2)
    values = []
    alerts = 0
    for step in range(n):
        v = rng.gauss(20.0, 3.0)
        values.append(v)
        ordered = sorted(values)
        median = ordered[len(ordered) // 2]
        mean = sum(values) / len(values)
        if abs(v - median) > 3 * abs(mean - median) + 6:
            alerts += 1
    print(alerts, round(median, 3))


if __name__ == "__main__":
    main(int(sys.argv[1]))
