import numpy as np

x = np.random.default_rng(0).random(1_000_000)
h = np.array([0.25, 0.5, 0.25, 0.1, 0.05])
y = h[0] * x[4:] + h[1] * x[3:-1] + h[2] * x[2:-2] + h[3] * x[1:-3] + h[4] * x[:-4]
print(y.mean())
