"""Elevator bank controller: cars as state machines, requests dispatched per tick."""
import random
import sys
from collections import deque

IDLE, UP, DOWN = 0, 1, -1


class Car:
    def __init__(self, ident, floors):
        self.ident = ident
        self.floor = 0
        self.direction = IDLE
        self.stops = set()
        self.floors = floors
        self.moved = 0

    def cost(self, floor):
        d = abs(self.floor - floor)
        if self.direction == IDLE:
            return d
        if (floor - self.floor) * self.direction >= 0:
            return d + len(self.stops)
        return d + 2 * self.floors

    def assign(self, floor):
        self.stops.add(floor)

    def step(self):
        if not self.stops:
            self.direction = IDLE
            return 0
        target = min(self.stops, key=lambda f: abs(f - self.floor))
        if target == self.floor:
            self.stops.discard(target)
            return 1
        self.direction = UP if target > self.floor else DOWN
        self.floor += self.direction
        self.moved += 1
        return 0


class Controller:
    def __init__(self, n_cars, floors):
        self.cars = [Car(i, floors) for i in range(n_cars)]
        self.waiting = deque()

    def request(self, floor):
        self.waiting.append(floor)

    def tick(self):
        while self.waiting:
            floor = self.waiting.popleft()
            best = min(self.cars, key=lambda c: c.cost(floor))
            best.assign(floor)
        return sum(car.step() for car in self.cars)


def main():
    ticks = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    floors = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    rng = random.Random(2)
    ctl = Controller(8, floors)
    served = 0
    for t in range(ticks):
        for _ in range(rng.randint(0, 3)):
            ctl.request(rng.randrange(floors))
        served += ctl.tick()
    print(f"served={served} moved={sum(c.moved for c in ctl.cars)}")


if __name__ == "__main__":
    main()
