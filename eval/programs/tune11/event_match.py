"""A bank's event processor: events are tuples dispatched with `match`, as
Python 3.10+ code does; accounts are objects; refused withdrawals are counted."""
import random
import sys


class Account:
    __slots__ = ("owner", "balance", "history")

    def __init__(self, owner):
        self.owner = owner
        self.balance = 0
        self.history = []

    def apply(self, amount):
        self.balance += amount
        self.history.append(amount)


def make_events(n, accounts, rng):
    events = []
    for _ in range(n):
        kind = rng.random()
        a = rng.randrange(accounts)
        if kind < 0.45:
            events.append(("deposit", a, rng.randint(1, 500)))
        elif kind < 0.85:
            events.append(("withdraw", a, rng.randint(1, 400)))
        elif kind < 0.97:
            events.append(("transfer", a, rng.randrange(accounts), rng.randint(1, 300)))
        else:
            events.append(("audit", a))
    return events


def process(events, accounts):
    refused = 0
    audits = 0
    for event in events:
        match event:
            case ("deposit", a, amount):
                accounts[a].apply(amount)
            case ("withdraw", a, amount) if accounts[a].balance >= amount:
                accounts[a].apply(-amount)
            case ("withdraw", _, _):
                refused += 1
            case ("transfer", src, dst, amount):
                if accounts[src].balance >= amount:
                    accounts[src].apply(-amount)
                    accounts[dst].apply(amount)
                else:
                    refused += 1
            case ("audit", a):
                audits += 1
                assert sum(accounts[a].history) == accounts[a].balance
            case _:
                raise ValueError(event)
    return refused, audits


def main(n):
    rng = random.Random(5)
    accounts = [Account(f"owner{i}") for i in range(200)]
    events = make_events(n, len(accounts), rng)
    refused, audits = process(events, accounts)
    richest = max(accounts, key=lambda acc: acc.balance)
    print(refused, audits, richest.owner, richest.balance)


if __name__ == "__main__":
    main(int(sys.argv[1]))
