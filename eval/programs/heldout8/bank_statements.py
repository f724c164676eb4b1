"""Accounts with transaction histories: monthly statements computed by
iterating over each account's transactions, interest by account type."""
import argparse
import random
from datetime import date, timedelta


class Transaction:
    def __init__(self, day, amount, memo):
        self.day = day
        self.amount = amount
        self.memo = memo


class Account:
    rate = 0.0

    def __init__(self, number, owner):
        self.number = number
        self.owner = owner
        self.transactions = []

    def deposit(self, day, amount, memo="deposit"):
        self.transactions.append(Transaction(day, amount, memo))

    def balance_on(self, day):
        return sum(t.amount for t in self.transactions if t.day <= day)

    def statement(self, start, end):
        lines = []
        for t in self.transactions:
            if start <= t.day < end:
                lines.append(f"{t.day.isoformat()} {t.memo:<10} {t.amount:>10.2f}")
        return lines

    def interest(self, day):
        return self.balance_on(day) * self.rate / 12


class Savings(Account):
    rate = 0.03


class Checking(Account):
    rate = 0.001


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=300)
    ap.add_argument("--tx", type=int, default=400)
    ap.add_argument("--months", type=int, default=12)
    args = ap.parse_args()
    rng = random.Random(9)
    start = date(2025, 1, 1)
    accounts = []
    for i in range(args.accounts):
        cls = Savings if i % 2 else Checking
        acc = cls(f"AC{i:05d}", f"owner{i}")
        for _ in range(args.tx):
            acc.deposit(start + timedelta(days=rng.randrange(365)),
                        round(rng.uniform(-200, 500), 2),
                        rng.choice(["salary", "rent", "food", "fuel"]))
        accounts.append(acc)
    total_interest = 0.0
    lines = 0
    for m in range(args.months):
        month_start = date(2025, m + 1, 1)
        month_end = date(2025, m + 2, 1) if m < 11 else date(2026, 1, 1)
        for acc in accounts:
            lines += len(acc.statement(month_start, month_end))
            total_interest += acc.interest(month_end)
    print("lines", lines, "interest", round(total_interest, 2))


if __name__ == "__main__":
    main()
