"""Grow an L-system by string rewriting, then walk it with a turtle."""
import math
import sys

RULES = {"F": "F+G-F", "G": "GG-F+"}


def grow(axiom, rules, generations):
    s = axiom
    for _ in range(generations):
        s = "".join(rules.get(ch, ch) for ch in s)
    return s


class Turtle:
    def __init__(self, angle):
        self.x = 0.0
        self.y = 0.0
        self.heading = 0.0
        self.turn = math.radians(angle)
        self.min_x = self.max_x = self.min_y = self.max_y = 0.0
        self.path = 0.0

    def forward(self, step):
        self.x += step * math.cos(self.heading)
        self.y += step * math.sin(self.heading)
        self.path += step
        if self.x < self.min_x:
            self.min_x = self.x
        if self.x > self.max_x:
            self.max_x = self.x
        if self.y < self.min_y:
            self.min_y = self.y
        if self.y > self.max_y:
            self.max_y = self.y

    def run(self, program):
        for ch in program:
            if ch in "FG":
                self.forward(1.0)
            elif ch == "+":
                self.heading += self.turn
            elif ch == "-":
                self.heading -= self.turn


def main(argv):
    generations = int(argv[1]) if len(argv) > 1 else 12
    program = grow("F", RULES, generations)
    t = Turtle(120)
    t.run(program)
    print(f"symbols={len(program)} path={t.path:.0f} box={t.max_x - t.min_x:.1f}x{t.max_y - t.min_y:.1f}")


if __name__ == "__main__":
    main(sys.argv)
