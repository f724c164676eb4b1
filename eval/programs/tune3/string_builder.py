"""Renders an HTML table row by row with str.format and join, the way a
report generator does."""
import sys


def render(rows):
    parts = ["<table>"]
    for r in rows:
        cells = "".join("<td>{}</td>".format(v) for v in r)
        parts.append("<tr>" + cells + "</tr>")
    parts.append("</table>")
    return "\n".join(parts)


def main(n):
    rows = [(i, i * i, f"name{i}", i / 7.0) for i in range(n)]
    html = render(rows)
    print(len(html), html.count("<td>"))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200000)
