"""A tokenizer and recursive-descent parser for arithmetic expressions:
tokens as dataclass objects, an AST of node classes, evaluated many times."""
import argparse
import random
from dataclasses import dataclass


@dataclass
class Token:
    kind: str
    text: str


def tokenize(src):
    out = []
    i = 0
    while i < len(src):
        ch = src[i]
        if ch.isspace():
            i += 1
        elif ch.isdigit():
            j = i
            while j < len(src) and src[j].isdigit():
                j += 1
            out.append(Token("num", src[i:j]))
            i = j
        elif ch == "x":
            out.append(Token("var", ch))
            i += 1
        else:
            out.append(Token("op", ch))
            i += 1
    return out


class Num:
    def __init__(self, v):
        self.v = v

    def eval(self, x):
        return self.v


class Var:
    def eval(self, x):
        return x


class BinOp:
    def __init__(self, op, a, b):
        self.op, self.a, self.b = op, a, b

    def eval(self, x):
        a = self.a.eval(x)
        b = self.b.eval(x)
        if self.op == "+":
            return a + b
        if self.op == "-":
            return a - b
        if self.op == "*":
            return a * b
        return a / b if b else 0.0


class Parser:
    def __init__(self, tokens):
        self.t = tokens
        self.i = 0

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self):
        tok = self.t[self.i]
        self.i += 1
        return tok

    def expr(self):
        node = self.term()
        while self.peek() is not None and self.peek().text in "+-":
            op = self.take().text
            node = BinOp(op, node, self.term())
        return node

    def term(self):
        node = self.atom()
        while self.peek() is not None and self.peek().text in "*/":
            op = self.take().text
            node = BinOp(op, node, self.atom())
        return node

    def atom(self):
        tok = self.take()
        if tok.kind == "num":
            return Num(int(tok.text))
        if tok.kind == "var":
            return Var()
        node = self.expr()
        self.take()
        return node


def random_expr(rng, depth):
    if depth == 0 or rng.random() < 0.2:
        return "x" if rng.random() < 0.5 else str(rng.randint(1, 99))
    op = rng.choice("+-*/")
    s = f"{random_expr(rng, depth - 1)} {op} {random_expr(rng, depth - 1)}"
    return f"({s})" if rng.random() < 0.5 else s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exprs", type=int, default=2000)
    ap.add_argument("--depth", type=int, default=6)
    ap.add_argument("--points", type=int, default=50)
    args = ap.parse_args()
    rng = random.Random(2)
    total = 0.0
    for _ in range(args.exprs):
        src = random_expr(rng, args.depth)
        tree = Parser(tokenize(src)).expr()
        for p in range(args.points):
            total += tree.eval(p / args.points)
    print("total", round(total, 3))


if __name__ == "__main__":
    main()
