"""Big-integer arithmetic: factorials and Fibonacci numbers with thousands of digits."""
import sys


def factorial(n):
    r = 1
    for i in range(2, n + 1):
        r *= i
    return r


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
f = factorial(n)
g = fib(n * 5)
print(f.bit_length(), g.bit_length(), (f + g) % 1000003)
