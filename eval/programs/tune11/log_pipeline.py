"""A generator pipeline over synthetic web-server log lines: parse, filter,
enrich and aggregate lazily with `yield` and `yield from`, as stream code does."""
import random
import sys


def generate(n, rng):
    paths = ["/", "/login", "/api/items", "/api/items/42", "/static/app.js", "/search"]
    for i in range(n):
        status = rng.choice((200, 200, 200, 200, 301, 404, 500))
        yield f"10.0.{rng.randrange(256)}.{rng.randrange(256)} - - [t{i}] \"GET {rng.choice(paths)} HTTP/1.1\" {status} {rng.randrange(100, 50000)}"


def parse(lines):
    for line in lines:
        head, _, rest = line.partition(' "')
        request, _, tail = rest.partition('" ')
        method, path, _ = request.split(" ")
        status, size = tail.split(" ")
        yield {"ip": head.split(" ")[0], "path": path, "status": int(status), "size": int(size)}


def only_errors(records):
    for r in records:
        if r["status"] >= 400:
            yield r


def chunks(records, size):
    batch = []
    for r in records:
        batch.append(r)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def flatten(batches):
    for batch in batches:
        yield from sorted(batch, key=lambda r: r["size"])


def main(n):
    rng = random.Random(12)
    per_path = {}
    bytes_total = 0
    for rec in flatten(chunks(only_errors(parse(generate(n, rng))), 500)):
        per_path[rec["path"]] = per_path.get(rec["path"], 0) + 1
        bytes_total += rec["size"]
    print(sorted(per_path.items()), bytes_total)


if __name__ == "__main__":
    main(int(sys.argv[1]))
