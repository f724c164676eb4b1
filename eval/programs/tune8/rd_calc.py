"""A recursive-descent calculator over a token list: expression, term
and factor methods looping while the next token is an operator."""
import random
import sys


class Calc:
    def __init__(self, tokens):
        self.toks = tokens
        self.i = 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else None

    def expr(self):
        v = self.term()
        while self.peek() in ("+", "-"):
            op = self.toks[self.i]
            self.i += 1
            r = self.term()
            v = v + r if op == "+" else v - r
        return v

    def term(self):
        v = self.factor()
        while self.peek() in ("*",):
            self.i += 1
            v = v * self.factor()
        return v

    def factor(self):
        t = self.toks[self.i]
        self.i += 1
        if t == "(":
            v = self.expr()
            self.i += 1
            return v
        return int(t)


def gen(rng, depth):
    if depth == 0:
        return [str(rng.randint(1, 9))]
    left = gen(rng, depth - 1)
    right = gen(rng, depth - 1)
    op = rng.choice("+-*")
    return ["("] + left + [op] + right + [")"]


def main():
    n = int(sys.argv[1])
    depth = int(sys.argv[2])
    rng = random.Random(1)
    total = 0
    for _ in range(n):
        total += Calc(gen(rng, depth)).expr() % 1000
    print(total)


if __name__ == "__main__":
    main()
