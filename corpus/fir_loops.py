# A FIR filter written as explicit loops over Python lists.
import math

N = 20000
TAPS = 32
x = [math.sin(0.01 * i) for i in range(N)]
h = [1.0 / TAPS] * TAPS
y = [0.0] * N
for n in range(TAPS, N):
    acc = 0.0
    for k in range(TAPS):
        acc += h[k] * x[n - k]
    y[n] = acc
print(y[-1])
