"""Arrays written to files the program itself created, then read back and reduced."""
import os
import tempfile
import numpy as np


def main():
    n = 6_000_000
    d = tempfile.mkdtemp()
    p = os.path.join(d, "a.bin")
    a = np.linspace(0.0, 1.0, n)
    a.tofile(p)
    b = np.fromfile(p, dtype=np.float64)
    np.save(os.path.join(d, "b.npy"), b * 2)
    c = np.load(os.path.join(d, "b.npy"))
    print(float(b.sum()), float(c.mean()))
    os.remove(p)
    os.remove(os.path.join(d, "b.npy"))
    os.rmdir(d)


if __name__ == "__main__":
    main()
