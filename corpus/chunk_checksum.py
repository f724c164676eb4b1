"""Checksums of a large buffer taken chunk by chunk: a running CRC-32, a
SHA-256 per chunk combined into a root digest, and a pure-Python Fletcher-16
of each chunk's head, the way integrity tools walk a file."""
import hashlib
import sys
import zlib

import numpy as np


def fletcher16(data):
    a = b = 0
    for byte in data:
        a = (a + byte) % 255
        b = (b + a) % 255
    return (b << 8) | a


def main(argv):
    size_mib = int(argv[0]) if argv else 64
    chunk = 4 << 20
    data = np.random.default_rng(3).integers(0, 256, size=size_mib << 20, dtype=np.uint8).tobytes()
    crc = 0
    digests = []
    fletchers = []
    for offset in range(0, len(data), chunk):
        block = data[offset : offset + chunk]
        crc = zlib.crc32(block, crc)
        digests.append(hashlib.sha256(block).digest())
        fletchers.append(fletcher16(block[:200000]))
    root = hashlib.sha256(b"".join(digests)).hexdigest()
    print("chunks", len(digests))
    print("crc32", format(crc, "08x"))
    print("root", root)
    print("fletcher", sum(fletchers) % 65536)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
