"""A state-machine lexer over generated source text, then a token-frequency report."""
import random
import sys
from collections import Counter
from enum import Enum, auto


class State(Enum):
    START = auto()
    IDENT = auto()
    NUMBER = auto()
    STRING = auto()
    COMMENT = auto()


class Token:
    __slots__ = ("kind", "text", "line")

    def __init__(self, kind, text, line):
        self.kind = kind
        self.text = text
        self.line = line


class Lexer:
    KEYWORDS = {"if", "else", "while", "return", "def", "for", "in"}

    def __init__(self, source):
        self.source = source

    def tokens(self):
        state = State.START
        buf = []
        line = 1
        out = []
        for ch in self.source + "\n":
            if state is State.IDENT:
                if ch.isalnum() or ch == "_":
                    buf.append(ch)
                    continue
                word = "".join(buf)
                out.append(Token("kw" if word in self.KEYWORDS else "id", word, line))
                state = State.START
            elif state is State.NUMBER:
                if ch.isdigit() or ch == ".":
                    buf.append(ch)
                    continue
                out.append(Token("num", "".join(buf), line))
                state = State.START
            elif state is State.STRING:
                buf.append(ch)
                if ch == '"':
                    out.append(Token("str", "".join(buf), line))
                    state = State.START
                continue
            elif state is State.COMMENT:
                if ch == "\n":
                    state = State.START
                    line += 1
                continue
            if ch == "\n":
                line += 1
            elif ch.isalpha() or ch == "_":
                state = State.IDENT
                buf = [ch]
            elif ch.isdigit():
                state = State.NUMBER
                buf = [ch]
            elif ch == '"':
                state = State.STRING
                buf = [ch]
            elif ch == "#":
                state = State.COMMENT
            elif not ch.isspace():
                out.append(Token("op", ch, line))
        return out


def generate(rng, lines):
    names = ["alpha", "beta", "gamma", "total", "count", "value", "x", "y"]
    parts = []
    for i in range(lines):
        r = rng.random()
        if r < 0.1:
            parts.append("# comment line %d about %s" % (i, rng.choice(names)))
        elif r < 0.3:
            parts.append('if %s > %d: return "%s"' % (rng.choice(names), rng.randint(0, 99), rng.choice(names)))
        else:
            parts.append("%s = %s * %d.%d + %s(%s)" % (rng.choice(names), rng.choice(names), rng.randint(0, 9),
                                                       rng.randint(0, 99), rng.choice(names), rng.choice(names)))
    return "\n".join(parts)


def main():
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 60000
    source = generate(random.Random(2), lines)
    toks = Lexer(source).tokens()
    kinds = Counter(t.kind for t in toks)
    idents = Counter(t.text for t in toks if t.kind == "id")
    print(len(toks), dict(kinds), idents.most_common(3))


if __name__ == "__main__":
    main()
