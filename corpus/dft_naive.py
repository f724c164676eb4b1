import cmath
import math


def dft(x):
    N = len(x)
    out = []
    for k in range(N):
        s = 0j
        for n in range(N):
            s += x[n] * cmath.exp(-2j * cmath.pi * k * n / N)
        out.append(s)
    return out


samples = [math.cos(2 * math.pi * 5 * t / 256) for t in range(256)]
X = dft(samples)
print(max(abs(v) for v in X))
