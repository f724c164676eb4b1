"""Linear regression trained by stochastic gradient descent in pure Python:
rows as lists of floats, a model class with fit and predict."""
import random
import sys


class LinearModel:
    def __init__(self, dim):
        self.w = [0.0] * dim
        self.b = 0.0

    def predict(self, x):
        s = self.b
        for wi, xi in zip(self.w, x):
            s += wi * xi
        return s

    def fit(self, rows, ys, epochs, lr):
        for epoch in range(epochs):
            total = 0.0
            for x, y in zip(rows, ys):
                err = self.predict(x) - y
                total += err * err
                for i in range(len(self.w)):
                    self.w[i] -= lr * err * x[i]
                self.b -= lr * err
            yield epoch, total / len(rows)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    dim = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    rng = random.Random(6)
    true_w = [rng.uniform(-2, 2) for _ in range(dim)]
    rows = [[rng.gauss(0, 1) for _ in range(dim)] for _ in range(n)]
    ys = [sum(w * x for w, x in zip(true_w, r)) + rng.gauss(0, 0.1) for r in rows]
    model = LinearModel(dim)
    for epoch, mse in model.fit(rows, ys, epochs, 0.01):
        print("epoch", epoch, "mse", round(mse, 5))


if __name__ == "__main__":
    main()
