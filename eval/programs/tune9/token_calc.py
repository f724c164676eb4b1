"""A calculator over generated expressions: a tokenizer by re.finditer with
named groups, then a shunting-yard conversion and a stack evaluation."""
import random
import re
import sys

TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<op>[-+*/])|(?P<lp>\()|(?P<rp>\)))")
PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


def tokens(text):
    out = []
    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
    return out


def to_rpn(toks):
    out, stack = [], []
    for kind, val in toks:
        if kind == "num":
            out.append(float(val))
        elif kind == "op":
            while stack and stack[-1] in PREC and PREC[stack[-1]] >= PREC[val]:
                out.append(stack.pop())
            stack.append(val)
        elif kind == "lp":
            stack.append(val)
        else:
            while stack[-1] != "(":
                out.append(stack.pop())
            stack.pop()
    while stack:
        out.append(stack.pop())
    return out


def evaluate(rpn):
    st = []
    for t in rpn:
        if isinstance(t, float):
            st.append(t)
        else:
            b, a = st.pop(), st.pop()
            st.append(a + b if t == "+" else a - b if t == "-" else a * b if t == "*" else a / b if b else 0.0)
    return st[0]


def expression(rng, depth):
    if depth == 0 or rng.random() < 0.3:
        return str(rng.randint(1, 99))
    return f"({expression(rng, depth - 1)} {rng.choice('+-*/')} {expression(rng, depth - 1)})"


def main(n):
    rng = random.Random(9)
    total = 0.0
    for _ in range(n):
        total += evaluate(to_rpn(tokens(expression(rng, 5))))
    print(round(total, 3))


if __name__ == "__main__":
    main(int(sys.argv[1]))
