"""Random arithmetic expressions: tokenise, shunting-yard to RPN, evaluate."""
import argparse
import random
import re

TOKEN = re.compile(r"\s*(\d+\.\d+|\d+|[-+*/()])")
PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


class Token:
    __slots__ = ("kind", "value")

    def __init__(self, kind, value):
        self.kind = kind
        self.value = value


def gen_expr(rng, depth):
    if depth == 0 or rng.random() < 0.3:
        return str(rng.randint(1, 99))
    op = rng.choice("+-*/")
    left, right = gen_expr(rng, depth - 1), gen_expr(rng, depth - 1)
    return f"({left} {op} {right})"


def tokenise(text):
    out = []
    for m in TOKEN.finditer(text):
        t = m.group(1)
        out.append(Token("num", float(t)) if t[0].isdigit() else Token("op", t))
    return out


def to_rpn(tokens):
    out, stack = [], []
    for tok in tokens:
        if tok.kind == "num":
            out.append(tok)
        elif tok.value == "(":
            stack.append(tok)
        elif tok.value == ")":
            while stack[-1].value != "(":
                out.append(stack.pop())
            stack.pop()
        else:
            while stack and stack[-1].value != "(" and PREC[stack[-1].value] >= PREC[tok.value]:
                out.append(stack.pop())
            stack.append(tok)
    while stack:
        out.append(stack.pop())
    return out


def evaluate(rpn):
    st = []
    for tok in rpn:
        if tok.kind == "num":
            st.append(tok.value)
            continue
        b, a = st.pop(), st.pop()
        if tok.value == "+":
            st.append(a + b)
        elif tok.value == "-":
            st.append(a - b)
        elif tok.value == "*":
            st.append(a * b)
        else:
            st.append(a / b if b else 0.0)
    return st[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exprs", type=int, default=20000)
    ap.add_argument("--depth", type=int, default=6)
    args = ap.parse_args()
    rng = random.Random(9)
    total = 0.0
    n_tokens = 0
    for _ in range(args.exprs):
        toks = tokenise(gen_expr(rng, args.depth))
        n_tokens += len(toks)
        total += evaluate(to_rpn(toks))
    print(f"tokens={n_tokens} total={total:.3f}")


if __name__ == "__main__":
    main()
