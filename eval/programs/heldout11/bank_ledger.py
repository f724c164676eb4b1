"""Simulate a small bank: accounts of several kinds, random transfers, monthly interest."""
import argparse
import random
from dataclasses import dataclass, field


class InsufficientFunds(Exception):
    pass


@dataclass
class Transaction:
    source: int
    target: int
    amount: float
    day: int


class Account:
    fee = 0.0

    def __init__(self, number, owner, balance=0.0):
        self.number = number
        self.owner = owner
        self._balance = balance
        self.history = []

    @property
    def balance(self):
        return self._balance

    def deposit(self, amount):
        self._balance += amount
        self.history.append(amount)

    def withdraw(self, amount):
        total = amount + self.fee
        if total > self._balance:
            raise InsufficientFunds(self.number)
        self._balance -= total
        self.history.append(-total)

    def month_end(self):
        pass


class Savings(Account):
    rate = 0.002

    def month_end(self):
        self.deposit(self._balance * self.rate)


class Checking(Account):
    fee = 0.25

    def month_end(self):
        if self._balance < 100:
            self._balance -= 5


class Bank:
    def __init__(self):
        self.accounts = {}
        self.ledger = []
        self.rejected = 0

    def open(self, kind, owner, balance):
        number = len(self.accounts) + 1
        self.accounts[number] = kind(number, owner, balance)
        return number

    def transfer(self, tx):
        src = self.accounts[tx.source]
        dst = self.accounts[tx.target]
        try:
            src.withdraw(tx.amount)
        except InsufficientFunds:
            self.rejected += 1
            return False
        dst.deposit(tx.amount)
        self.ledger.append(tx)
        return True

    def month_end(self):
        for acc in self.accounts.values():
            acc.month_end()

    def total(self):
        return sum(a.balance for a in self.accounts.values())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--per-day", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(7)
    bank = Bank()
    for i in range(args.accounts):
        kind = Savings if i % 3 == 0 else Checking
        bank.open(kind, "owner%d" % i, rng.uniform(50, 5000))
    n = len(bank.accounts)
    for day in range(args.days):
        for _ in range(args.per_day):
            a = rng.randint(1, n)
            b = rng.randint(1, n)
            if a != b:
                bank.transfer(Transaction(a, b, round(rng.expovariate(1 / 80), 2), day))
        if day % 30 == 29:
            bank.month_end()
    richest = max(bank.accounts.values(), key=lambda a: a.balance)
    print("transfers", len(bank.ledger), "rejected", bank.rejected)
    print("total %.2f richest %s %.2f" % (bank.total(), richest.owner, richest.balance))


if __name__ == "__main__":
    main()
