# Reference program for calibrating the interpreter model: nested loops over lists.
n = 70
a = [[float(i * j % 7) for j in range(n)] for i in range(n)]
b = [[float((i + j) % 5) for j in range(n)] for i in range(n)]
c = [[0.0] * n for _ in range(n)]
for i in range(n):
    for k in range(n):
        aik = a[i][k]
        for j in range(n):
            c[i][j] += aik * b[k][j]
print(c[0][0])
