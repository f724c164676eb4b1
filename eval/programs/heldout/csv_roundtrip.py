"""Writes a CSV of measurements to a temporary file, reads it back and summarises."""
import csv
import os
import statistics
import tempfile


def write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "x", "y"])
        for i in range(rows):
            w.writerow([i, i * 0.5, (i * 37) % 101])


def read(path):
    xs, ys = [], []
    with open(path, newline="") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            xs.append(float(row[1]))
            ys.append(int(row[2]))
    return xs, ys


def main():
    fd, path = tempfile.mkstemp(suffix=".csv")
    os.close(fd)
    try:
        write(path, 300000)
        xs, ys = read(path)
        print(len(xs), statistics.fmean(xs), max(ys))
    finally:
        os.remove(path)


if __name__ == "__main__":
    main()
