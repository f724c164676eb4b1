# Reference program for calibrating the interpreter model: a filter loop with a function call.
import math


def gain(v):
    return v * 0.5 + 0.1


x = [math.sin(i * 0.01) for i in range(60000)]
y = [0.0] * len(x)
acc = 0.0
for n in range(1, len(x)):
    acc = 0.9 * acc + gain(x[n]) - x[n - 1]
    y[n] = acc
print(y[-1])
