"""An accounting ledger: accounts as classes with properties, transactions
as frozen dataclasses, posting with validation, and a trial balance."""
import random
import sys
from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    ASSET = 1
    LIABILITY = 2
    INCOME = 3
    EXPENSE = 4


@dataclass(frozen=True)
class Entry:
    account: str
    amount: int


@dataclass(frozen=True)
class Transaction:
    tid: int
    entries: tuple

    def balanced(self):
        return sum(e.amount for e in self.entries) == 0


class Account:
    def __init__(self, name, kind):
        self.name = name
        self.kind = kind
        self.postings = []

    @property
    def balance(self):
        return sum(self.postings)

    def post(self, amount):
        self.postings.append(amount)


class Ledger:
    def __init__(self):
        self.accounts = {}
        self.rejected = 0

    def open(self, name, kind):
        self.accounts[name] = Account(name, kind)

    def record(self, tx):
        if not tx.balanced() or any(e.account not in self.accounts for e in tx.entries):
            self.rejected += 1
            return False
        for e in tx.entries:
            self.accounts[e.account].post(e.amount)
        return True

    def trial_balance(self):
        totals = {k: 0 for k in Kind}
        for acc in self.accounts.values():
            totals[acc.kind] += acc.balance
        return totals


def random_tx(rng, tid, names):
    amount = rng.randint(1, 500)
    a, b = rng.sample(names, 2)
    entries = (Entry(a, amount), Entry(b, -amount))
    if rng.random() < 0.02:
        entries = entries + (Entry(a, 1),)
    return Transaction(tid, entries)


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    rng = random.Random(1)
    ledger = Ledger()
    names = []
    for i, kind in enumerate(list(Kind) * 10):
        name = f"{kind.name.lower()}-{i}"
        ledger.open(name, kind)
        names.append(name)
    posted = sum(1 for t in range(count) if ledger.record(random_tx(rng, t, names)))
    print(posted, ledger.rejected, ledger.trial_balance()[Kind.ASSET])


if __name__ == "__main__":
    main()
