"""Render generated markdown documents to HTML with a small block parser and inline regexes."""
import html
import random
import re

BOLD = re.compile(r"\*\*(.+?)\*\*")
ITALIC = re.compile(r"\*(.+?)\*")
LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")
CODE = re.compile(r"`([^`]+)`")


class Block:
    def __init__(self, kind, lines):
        self.kind = kind
        self.lines = lines

    def render(self):
        if self.kind == "heading":
            level = len(self.lines[0]) - len(self.lines[0].lstrip("#"))
            return f"<h{level}>{inline(self.lines[0][level:].strip())}</h{level}>"
        if self.kind == "list":
            items = "".join(f"<li>{inline(l[2:])}</li>" for l in self.lines)
            return f"<ul>{items}</ul>"
        if self.kind == "code":
            return "<pre>" + html.escape("\n".join(self.lines[1:-1])) + "</pre>"
        return "<p>" + inline(" ".join(self.lines)) + "</p>"


def inline(text):
    text = html.escape(text, quote=False)
    text = CODE.sub(r"<code>\1</code>", text)
    text = BOLD.sub(r"<b>\1</b>", text)
    text = ITALIC.sub(r"<i>\1</i>", text)
    return LINK.sub(r'<a href="\2">\1</a>', text)


def parse(text):
    blocks, current, kind = [], [], None
    in_code = False
    for line in text.split("\n"):
        if line.startswith("```"):
            current.append(line)
            if in_code:
                blocks.append(Block("code", current))
                current, kind = [], None
            else:
                in_code, kind = True, "code"
                continue
            in_code = False
            continue
        if in_code:
            current.append(line)
            continue
        if not line.strip():
            if current:
                blocks.append(Block(kind, current))
            current, kind = [], None
        elif line.startswith("#"):
            blocks.append(Block("heading", [line]))
        elif line.startswith("- "):
            kind = kind or "list"
            current.append(line)
        else:
            kind = kind or "para"
            current.append(line)
    if current:
        blocks.append(Block(kind, current))
    return blocks


def make_doc(rng, sections):
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda".split()
    parts = []
    for s in range(sections):
        parts.append(f"## Section {s}\n")
        for _ in range(rng.randint(1, 3)):
            ws = [rng.choice(words) for _ in range(rng.randint(10, 40))]
            ws[rng.randrange(len(ws))] = "**" + ws[0] + "**"
            ws[rng.randrange(len(ws))] = f"[{ws[1]}](http://x/{s})"
            parts.append(" ".join(ws) + "\n")
        if rng.random() < 0.5:
            parts.append("\n".join(f"- item *{rng.choice(words)}* `{i}`" for i in range(4)) + "\n")
        if rng.random() < 0.2:
            parts.append("```\nx = 1 < 2\n```\n")
    return "\n".join(parts)


def main():
    rng = random.Random(6)
    total = 0
    for _ in range(300):
        doc = make_doc(rng, 80)
        out = "\n".join(b.render() for b in parse(doc))
        total += len(out)
    print("html bytes", total)


if __name__ == "__main__":
    main()
