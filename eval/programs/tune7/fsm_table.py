"""A finite-state machine driven by a transition table of (state, symbol)
pairs, with an action method per state reached through getattr."""
import random
import sys


class Machine:
    TABLE = {
        ("idle", "coin"): "ready",
        ("idle", "push"): "idle",
        ("ready", "coin"): "ready",
        ("ready", "push"): "vend",
        ("vend", "coin"): "ready",
        ("vend", "push"): "idle",
    }

    def __init__(self):
        self.state = "idle"
        self.coins = 0
        self.vended = 0
        self.log = []

    def feed(self, symbol):
        self.state = self.TABLE[(self.state, symbol)]
        getattr(self, "enter_" + self.state)()

    def enter_idle(self):
        pass

    def enter_ready(self):
        self.coins += 1

    def enter_vend(self):
        self.vended += 1
        self.log.append((self.coins, self.vended))


def main():
    n = int(sys.argv[1])
    rng = random.Random(3)
    m = Machine()
    for _ in range(n):
        m.feed("coin" if rng.random() < 0.6 else "push")
    print(m.state, m.coins, m.vended, len(m.log))


if __name__ == "__main__":
    main()
