"""A bank ledger with an account class hierarchy: deposits, withdrawals
that may be refused with an exception, monthly interest, and a statement."""
import random
import sys


class InsufficientFunds(Exception):
    pass


class Account:
    fee = 0.0

    def __init__(self, number, owner):
        self.number = number
        self.owner = owner
        self.balance = 0.0
        self.history = []

    def deposit(self, amount):
        self.balance += amount
        self.history.append(("dep", amount))

    def withdraw(self, amount):
        total = amount + self.fee
        if total > self.balance:
            raise InsufficientFunds(f"{self.number}: {total:.2f} > {self.balance:.2f}")
        self.balance -= total
        self.history.append(("wd", amount))

    def month_end(self):
        pass


class Savings(Account):
    rate = 0.002

    def month_end(self):
        interest = self.balance * self.rate
        self.deposit(interest)


class Checking(Account):
    fee = 0.25


def main(n_accounts, n_tx):
    rng = random.Random(21)
    accounts = []
    for i in range(n_accounts):
        cls = Savings if i % 3 == 0 else Checking
        accounts.append(cls(i, "owner%d" % i))
    refused = 0
    for t in range(n_tx):
        acct = accounts[rng.randrange(n_accounts)]
        amount = round(rng.uniform(1, 200), 2)
        if rng.random() < 0.55:
            acct.deposit(amount)
        else:
            try:
                acct.withdraw(amount)
            except InsufficientFunds:
                refused += 1
        if t % (n_tx // 12) == 0:
            for a in accounts:
                a.month_end()
    richest = max(accounts, key=lambda a: a.balance)
    print("refused", refused, "richest", richest.number, round(richest.balance, 2))
    print("entries", sum(len(a.history) for a in accounts))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000, int(sys.argv[2]) if len(sys.argv) > 2 else 600000)
