"""A markdown-to-HTML renderer over generated documents: headings, lists,
emphasis, code spans and links, by regular expressions."""
import random
import re

HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
ITEM = re.compile(r"^\s*[-*]\s+(.*)$")
BOLD = re.compile(r"\*\*(.+?)\*\*")
ITALIC = re.compile(r"_(.+?)_")
CODE = re.compile(r"`([^`]+)`")
LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")

WORDS = ["alpha", "beta", "gamma", "delta", "**bold**", "_it_", "`x = 1`", "[site](http://a.b)"]


def inline(text):
    text = CODE.sub(r"<code>\1</code>", text)
    text = BOLD.sub(r"<b>\1</b>", text)
    text = ITALIC.sub(r"<i>\1</i>", text)
    return LINK.sub(r'<a href="\2">\1</a>', text)


def render(lines):
    out = []
    in_list = False
    for line in lines:
        m = HEADING.match(line)
        if m:
            level = len(m.group(1))
            out.append(f"<h{level}>{inline(m.group(2))}</h{level}>")
            continue
        m = ITEM.match(line)
        if m:
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{inline(m.group(1))}</li>")
            continue
        if in_list:
            out.append("</ul>")
            in_list = False
        if line.strip():
            out.append(f"<p>{inline(line)}</p>")
    return out


def document(rng, n):
    lines = []
    for _ in range(n):
        kind = rng.random()
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
        if kind < 0.1:
            lines.append("#" * rng.randint(1, 3) + " " + words)
        elif kind < 0.5:
            lines.append("- " + words)
        else:
            lines.append(words)
    return lines


rng = random.Random(2)
total = 0
for _ in range(4):
    html = render(document(rng, 30000))
    total += sum(len(h) for h in html)
print(total)
