"""A toy bank ledger: accounts as objects, transfers as method calls."""
import argparse
import random


class Account:
    def __init__(self, owner, balance=0.0):
        self.owner = owner
        self.balance = balance
        self.history = []

    def deposit(self, amount):
        self.balance += amount
        self.history.append(("in", amount))

    def withdraw(self, amount):
        if amount > self.balance:
            return False
        self.balance -= amount
        self.history.append(("out", amount))
        return True


class Bank:
    def __init__(self, n):
        self.accounts = [Account(f"user{i}", 100.0) for i in range(n)]

    def transfer(self, src, dst, amount):
        if self.accounts[src].withdraw(amount):
            self.accounts[dst].deposit(amount)
            return True
        return False

    def total(self):
        return sum(a.balance for a in self.accounts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=2000)
    ap.add_argument("--transfers", type=int, default=300000)
    args = ap.parse_args()
    random.seed(1)
    bank = Bank(args.accounts)
    ok = 0
    for _ in range(args.transfers):
        a = random.randrange(args.accounts)
        b = random.randrange(args.accounts)
        if bank.transfer(a, b, random.random() * 50):
            ok += 1
    print(ok, round(bank.total(), 2))


if __name__ == "__main__":
    main()
