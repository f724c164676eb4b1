"""Parses generated web-server log lines and aggregates per path and status."""
import sys
from collections import Counter, defaultdict

PATHS = ["/", "/login", "/api/items", "/api/users", "/static/app.js", "/search"]


def make_lines(n):
    lines = []
    for i in range(n):
        ip = f"10.0.{i % 256}.{(i * 7) % 256}"
        path = PATHS[(i * 13) % len(PATHS)]
        status = 200 if i % 11 else (404 if i % 2 else 500)
        size = (i * 97) % 50000
        lines.append(f'{ip} - - [06/Dec/2026:10:{i % 60:02d}:00] "GET {path} HTTP/1.1" {status} {size}')
    return lines


def parse(line):
    head, _, tail = line.partition('"')
    request, _, rest = tail.partition('"')
    method, path, _ = request.split(" ")
    status, size = rest.split()
    return head.split(" ")[0], path, int(status), int(size)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300000
    lines = make_lines(n)
    by_path = defaultdict(int)
    statuses = Counter()
    ips = set()
    for line in lines:
        ip, path, status, size = parse(line)
        by_path[path] += size
        statuses[status] += 1
        ips.add(ip)
    for path in sorted(by_path):
        print(path, by_path[path])
    print(dict(statuses), len(ips))


if __name__ == "__main__":
    main()
