"""A two-layer network forward pass written with numpy primitives."""
import numpy as np


def layer_norm(x, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


rng = np.random.default_rng(0)
batch, d_in, d_hidden, d_out = 256, 512, 1024, 10
X = rng.standard_normal((batch, d_in)).astype(np.float32)
W1 = rng.standard_normal((d_in, d_hidden)).astype(np.float32) * 0.02
b1 = np.zeros(d_hidden, dtype=np.float32)
W2 = rng.standard_normal((d_hidden, d_out)).astype(np.float32) * 0.02
b2 = np.zeros(d_out, dtype=np.float32)

h = X @ W1 + b1
h = np.maximum(h, 0)
h = layer_norm(h)
h = gelu(h)
logits = h @ W2 + b2
probs = softmax(logits)
sig = 1 / (1 + np.exp(-logits))
print(probs.sum(), sig.mean())
