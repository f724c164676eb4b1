"""Principal components of a synthetic data set, then reconstruction error."""
import argparse
import numpy as np


def load(n, d, rng):
    latent = rng.standard_normal((n, 8))
    mix = rng.standard_normal((8, d))
    return latent @ mix + 0.1 * rng.standard_normal((n, d))


def pca(x, k):
    mu = x.mean(axis=0)
    xc = x - mu
    cov = xc.T @ xc / (x.shape[0] - 1)
    vals, vecs = np.linalg.eigh(cov)
    order = np.argsort(vals)[::-1][:k]
    return mu, vecs[:, order]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("d", type=int)
    ap.add_argument("-k", type=int, default=8)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    x = load(a.n, a.d, rng)
    mu, comps = pca(x, a.k)
    z = (x - mu) @ comps
    recon = z @ comps.T + mu
    err = np.mean((x - recon) ** 2)
    print(f"{err:.4f}")


if __name__ == "__main__":
    main()
