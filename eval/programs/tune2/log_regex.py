"""Generated log lines parsed with a compiled regular expression."""
import sys, random, re
from collections import Counter

LEVELS = ["INFO", "WARN", "ERROR", "DEBUG"]
PATHS = ["/api/users", "/api/orders", "/static/app.js", "/login", "/health"]

def gen(n, rng):
    lines = []
    for i in range(n):
        lines.append(f"2026-01-{rng.randint(1,28):02d} {rng.choice(LEVELS)} {rng.choice(PATHS)} {rng.randint(100, 599)} {rng.random()*500:.1f}ms")
    return lines

def parse(lines):
    pat = re.compile(r"(\S+) (\w+) (\S+) (\d+) ([\d.]+)ms")
    by_path = Counter()
    slow = []
    for ln in lines:
        m = pat.match(ln)
        if not m:
            continue
        day, level, path, code, ms = m.groups()
        by_path[path] += 1
        if float(ms) > 450:
            slow.append((day, path, float(ms)))
    return by_path, slow

def main():
    n = int(sys.argv[1])
    lines = gen(n, random.Random(5))
    by_path, slow = parse(lines)
    print(by_path.most_common(3), len(slow))

main()
