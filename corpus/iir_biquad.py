"""A biquad low-pass (direct form II transposed) and a one-pole smoother, in pure Python."""
import math


def biquad(samples, b0, b1, b2, a1, a2):
    out = []
    z1 = 0.0
    z2 = 0.0
    for x in samples:
        y = b0 * x + z1
        z1 = b1 * x - a1 * y + z2
        z2 = b2 * x - a2 * y
        out.append(y)
    return out


def smooth(x, alpha):
    y = [0.0] * len(x)
    for n in range(1, len(x)):
        y[n] = alpha * x[n] + (1 - alpha) * y[n - 1]
    return y


data = [math.sin(i * 0.05) + 0.1 * math.sin(i * 1.3) for i in range(50000)]
low = biquad(data, 0.02, 0.04, 0.02, -1.56, 0.64)
sm = smooth(low, 0.1)
print(round(sm[-1], 6))
