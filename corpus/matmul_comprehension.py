import random
import sys


def matmul(a, b):
    return [[sum(x * y for x, y in zip(row, col)) for col in zip(*b)] for row in a]


size = int(sys.argv[1]) if len(sys.argv) > 1 else 50
random.seed(1)
m1 = [[random.random() for _ in range(size)] for _ in range(size)]
m2 = [[random.random() for _ in range(size)] for _ in range(size)]
m3 = matmul(m1, m2)
print(round(m3[0][0], 6))
