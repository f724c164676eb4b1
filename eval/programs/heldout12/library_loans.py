"""A lending library: members borrow and return books, late fees accrue, reports at the end."""
import random
from collections import defaultdict
from datetime import date, timedelta


class LibraryError(Exception):
    pass


class Book:
    def __init__(self, isbn, title, genre):
        self.isbn = isbn
        self.title = title
        self.genre = genre
        self.on_loan = False
        self.times_borrowed = 0


class Member:
    MAX_LOANS = 5

    def __init__(self, member_id, name):
        self.member_id = member_id
        self.name = name
        self.loans = {}
        self.fees = 0.0

    def can_borrow(self):
        return len(self.loans) < self.MAX_LOANS and self.fees < 20.0


class Library:
    LOAN_DAYS = 21
    DAILY_FEE = 0.25

    def __init__(self):
        self.books = {}
        self.members = {}
        self.log = []

    def add_book(self, book):
        self.books[book.isbn] = book

    def join(self, member):
        self.members[member.member_id] = member

    def borrow(self, member_id, isbn, today):
        member = self.members[member_id]
        book = self.books[isbn]
        if book.on_loan:
            raise LibraryError(f"{book.title} is already on loan")
        if not member.can_borrow():
            raise LibraryError(f"{member.name} cannot borrow")
        book.on_loan = True
        book.times_borrowed += 1
        member.loans[isbn] = today + timedelta(days=self.LOAN_DAYS)
        self.log.append(("borrow", member_id, isbn, today))

    def give_back(self, member_id, isbn, today):
        member = self.members[member_id]
        due = member.loans.pop(isbn)
        late = (today - due).days
        if late > 0:
            member.fees += late * self.DAILY_FEE
        self.books[isbn].on_loan = False
        self.log.append(("return", member_id, isbn, today))


def main():
    rng = random.Random(3)
    lib = Library()
    genres = ["fiction", "history", "science", "poetry", "travel", "children"]
    for i in range(20000):
        lib.add_book(Book(f"isbn-{i:06d}", f"Title {i}", rng.choice(genres)))
    for m in range(3000):
        lib.join(Member(m, f"member{m}"))
    isbns = list(lib.books)
    refused = 0
    day = date(2024, 1, 1)
    for step in range(730):
        today = day + timedelta(days=step)
        for _ in range(900):
            mid = rng.randrange(3000)
            member = lib.members[mid]
            if member.loans and rng.random() < 0.45:
                isbn = rng.choice(list(member.loans))
                lib.give_back(mid, isbn, today + timedelta(days=rng.randint(0, 10)))
                continue
            try:
                lib.borrow(mid, rng.choice(isbns), today)
            except LibraryError:
                refused += 1
        if step % 30 == 0:
            for member in lib.members.values():
                if member.fees > 0 and rng.random() < 0.3:
                    member.fees = 0.0
    by_genre = defaultdict(int)
    for book in lib.books.values():
        by_genre[book.genre] += book.times_borrowed
    top = sorted(lib.books.values(), key=lambda b: b.times_borrowed, reverse=True)[:5]
    print("refused", refused, "log", len(lib.log))
    print(dict(by_genre))
    print([b.title for b in top])


if __name__ == "__main__":
    main()
