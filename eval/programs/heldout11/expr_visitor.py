"""Parse arithmetic expressions into an AST of node classes and evaluate them with visitors."""
import random
import sys


class Node:
    pass


class Num(Node):
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def accept(self, visitor):
        return visitor.visit_num(self)


class Var(Node):
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def accept(self, visitor):
        return visitor.visit_var(self)


class BinOp(Node):
    __slots__ = ("op", "left", "right")

    def __init__(self, op, left, right):
        self.op = op
        self.left = left
        self.right = right

    def accept(self, visitor):
        return visitor.visit_binop(self)


class Parser:
    def __init__(self, text):
        self.tokens = self.tokenize(text)
        self.pos = 0

    @staticmethod
    def tokenize(text):
        tokens = []
        i = 0
        while i < len(text):
            ch = text[i]
            if ch.isspace():
                i += 1
            elif ch.isdigit():
                j = i
                while j < len(text) and text[j].isdigit():
                    j += 1
                tokens.append(("num", int(text[i:j])))
                i = j
            elif ch.isalpha():
                tokens.append(("var", ch))
                i += 1
            else:
                tokens.append(("op", ch))
                i += 1
        return tokens

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def take(self):
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expr(self):
        node = self.term()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            node = BinOp(op, node, self.term())
        return node

    def term(self):
        node = self.factor()
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            node = BinOp(op, node, self.factor())
        return node

    def factor(self):
        kind, value = self.take()
        if kind == "num":
            return Num(value)
        if kind == "var":
            return Var(value)
        node = self.expr()
        self.take()
        return node


class Evaluator:
    def __init__(self, env):
        self.env = env

    def visit_num(self, node):
        return node.value

    def visit_var(self, node):
        return self.env[node.name]

    def visit_binop(self, node):
        a = node.left.accept(self)
        b = node.right.accept(self)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        return a / b if b else 0.0


class Counter:
    def __init__(self):
        self.nodes = 0

    def visit_num(self, node):
        self.nodes += 1

    def visit_var(self, node):
        self.nodes += 1

    def visit_binop(self, node):
        self.nodes += 1
        node.left.accept(self)
        node.right.accept(self)


def random_expr(rng, depth):
    if depth == 0 or rng.random() < 0.2:
        return str(rng.randint(1, 99)) if rng.random() < 0.7 else rng.choice("xyz")
    op = rng.choice("+-*/")
    return "(" + random_expr(rng, depth - 1) + " " + op + " " + random_expr(rng, depth - 1) + ")"


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    depth = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    rng = random.Random(11)
    total = 0.0
    nodes = 0
    for _ in range(count):
        text = random_expr(rng, depth)
        tree = Parser(text).expr()
        env = {"x": rng.random(), "y": rng.random(), "z": rng.random()}
        for _ in range(5):
            total += tree.accept(Evaluator(env))
        c = Counter()
        tree.accept(c)
        nodes += c.nodes
    print("nodes", nodes, "sum %.3f" % total)


if __name__ == "__main__":
    main()
