"""Employee records with properties and class methods: payroll per
department, raises applied through setters, a text report."""
import argparse
import random
from collections import defaultdict


class Employee:
    raise_cap = 0.1

    def __init__(self, name, dept, salary, years):
        self.name = name
        self.dept = dept
        self._salary = salary
        self.years = years

    @property
    def salary(self):
        return self._salary

    @salary.setter
    def salary(self, value):
        if value < 0:
            raise ValueError("negative salary")
        self._salary = value

    @property
    def monthly(self):
        return self._salary / 12

    @classmethod
    def random(cls, rng, i):
        dept = rng.choice(["eng", "ops", "sales", "hr", "legal"])
        return cls(f"emp{i:06d}", dept, rng.randint(30000, 150000), rng.randint(0, 30))

    def give_raise(self, pct):
        self.salary = self.salary * (1 + min(pct, self.raise_cap))

    def __repr__(self):
        return f"Employee({self.name!r}, {self.dept}, {self.salary:.0f})"


class Manager(Employee):
    raise_cap = 0.15

    def give_raise(self, pct):
        super().give_raise(pct + 0.02)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--staff", type=int, default=50000)
    ap.add_argument("--years", type=int, default=10)
    args = ap.parse_args()
    rng = random.Random(8)
    staff = []
    for i in range(args.staff):
        e = Employee.random(rng, i)
        if e.years > 20:
            e = Manager(e.name, e.dept, e.salary, e.years)
        staff.append(e)
    for year in range(args.years):
        by_dept = defaultdict(float)
        for e in staff:
            e.give_raise(0.01 * (e.years % 7))
            e.years += 1
            by_dept[e.dept] += e.monthly
        lines = [f"{d}: {v:,.0f}" for d, v in sorted(by_dept.items())]
        print(year, "; ".join(lines))
    best = max(staff, key=lambda e: e.salary)
    print(repr(best))


if __name__ == "__main__":
    main()
