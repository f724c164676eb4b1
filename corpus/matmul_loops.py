# Pure-Python matrix multiply over lists of lists (i-k-j loop order).
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 60
A = [[(i * j) % 7 + 1.0 for j in range(n)] for i in range(n)]
B = [[(i + j) % 5 - 2.0 for j in range(n)] for i in range(n)]
C = [[0.0] * n for _ in range(n)]
for i in range(n):
    for k in range(n):
        a = A[i][k]
        for j in range(n):
            C[i][j] += a * B[k][j]
print(sum(sum(row) for row in C))
