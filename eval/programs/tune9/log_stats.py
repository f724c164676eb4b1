"""Web log statistics: lines parsed by a regular expression into records,
grouped by endpoint with itertools.groupby, summarised with statistics."""
import itertools
import random
import re
import statistics
import sys
from collections import namedtuple

LINE = re.compile(r'(?P<ip>\d+\.\d+\.\d+\.\d+) - - "(?P<method>GET|POST) (?P<path>/\S*) HTTP/1\.1" (?P<status>\d{3}) (?P<ms>\d+)')
Hit = namedtuple("Hit", "path status ms")
PATHS = ["/", "/login", "/api/items", "/api/orders", "/static/app.js", "/search"]


def generate(rng, n):
    for _ in range(n):
        ip = ".".join(str(rng.randint(1, 254)) for _ in range(4))
        method = rng.choice(["GET", "GET", "POST"])
        status = rng.choice([200, 200, 200, 304, 404, 500])
        yield f'{ip} - - "{method} {rng.choice(PATHS)} HTTP/1.1" {status} {rng.randint(1, 900)}'


def main(n):
    rng = random.Random(3)
    hits = []
    for line in generate(rng, n):
        m = LINE.match(line)
        if m is None:
            continue
        hits.append(Hit(m.group("path"), int(m.group("status")), int(m.group("ms"))))
    hits.sort(key=lambda h: h.path)
    for path, group in itertools.groupby(hits, key=lambda h: h.path):
        times = [h.ms for h in group]
        errors = sum(1 for t in times if t > 800)
        print(path, len(times), round(statistics.mean(times), 1), statistics.median(times), errors)


if __name__ == "__main__":
    main(int(sys.argv[1]))
