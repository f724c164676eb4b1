"""A Bloom filter over a bytearray, with hashing through hashlib."""
import hashlib
import math
import sys


class BloomFilter:
    def __init__(self, capacity, error_rate=0.01):
        self.size = int(-capacity * math.log(error_rate) / (math.log(2) ** 2))
        self.hashes = max(1, int(round(self.size / capacity * math.log(2))))
        self.bits = bytearray((self.size + 7) // 8)

    def _positions(self, item):
        digest = hashlib.sha256(item.encode()).digest()
        h1 = int.from_bytes(digest[:8], "little")
        h2 = int.from_bytes(digest[8:16], "little")
        return [(h1 + i * h2) % self.size for i in range(self.hashes)]

    def add(self, item):
        for pos in self._positions(item):
            self.bits[pos >> 3] |= 1 << (pos & 7)

    def __contains__(self, item):
        return all(self.bits[pos >> 3] & (1 << (pos & 7)) for pos in self._positions(item))


def main(argv):
    n = int(argv[1]) if len(argv) > 1 else 100000
    queries = int(argv[2]) if len(argv) > 2 else 100000
    bf = BloomFilter(n)
    for i in range(n):
        bf.add(f"user-{i}")
    false_pos = 0
    for i in range(queries):
        if f"visitor-{i}" in bf:
            false_pos += 1
    hits = sum(1 for i in range(0, n, 7) if f"user-{i}" in bf)
    print(f"bits={bf.size} k={bf.hashes} fp_rate={false_pos / queries:.4f} hits={hits}")


if __name__ == "__main__":
    main(sys.argv)
