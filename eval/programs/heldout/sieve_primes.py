"""Prime sieve and twin-prime count with while loops and slice assignment."""
import sys


def sieve(n):
    flags = bytearray([1]) * (n + 1)
    flags[0] = flags[1] = 0
    p = 2
    while p * p <= n:
        if flags[p]:
            flags[p * p::p] = bytearray(len(range(p * p, n + 1, p)))
        p += 1
    return [i for i in range(n + 1) if flags[i]]


def twins(primes):
    count = 0
    i = 1
    while i < len(primes):
        if primes[i] - primes[i - 1] == 2:
            count += 1
        i += 1
    return count


n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000000
ps = sieve(n)
print(len(ps), twins(ps))
