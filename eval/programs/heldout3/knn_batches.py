"""k-nearest-neighbour classification of a test set in batches, with NumPy."""
import argparse

import numpy as np


def make_data(n, d, classes, rng):
    centers = rng.normal(0, 4, size=(classes, d))
    labels = rng.integers(0, classes, size=n)
    points = centers[labels] + rng.normal(0, 1, size=(n, d))
    return points, labels


def predict(train_x, train_y, batch, k, classes):
    d2 = (batch ** 2).sum(1)[:, None] - 2 * batch @ train_x.T + (train_x ** 2).sum(1)[None, :]
    nearest = np.argpartition(d2, k, axis=1)[:, :k]
    votes = np.zeros((batch.shape[0], classes), dtype=np.int64)
    for c in range(classes):
        votes[:, c] = (train_y[nearest] == c).sum(1)
    return votes.argmax(1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--train", type=int, default=20000)
    p.add_argument("--test", type=int, default=8000)
    p.add_argument("--dim", type=int, default=32)
    p.add_argument("--batch", type=int, default=500)
    args = p.parse_args()
    rng = np.random.default_rng(0)
    classes = 10
    tx, ty = make_data(args.train, args.dim, classes, rng)
    qx, qy = make_data(args.test, args.dim, classes, rng)
    correct = 0
    for start in range(0, args.test, args.batch):
        pred = predict(tx, ty, qx[start:start + args.batch], 5, classes)
        correct += int((pred == qy[start:start + args.batch]).sum())
    print(f"accuracy {correct / args.test:.3f}")


if __name__ == "__main__":
    main()
