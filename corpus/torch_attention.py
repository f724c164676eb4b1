import torch
from torch import nn

B, L, E, H = 8, 128, 256, 8
x = torch.randn(B, L, E)
attn = nn.MultiheadAttention(E, H, batch_first=True)
norm = nn.LayerNorm(E)
ff = nn.Sequential(nn.Linear(E, 4 * E), nn.GELU(), nn.Linear(4 * E, E))
with torch.no_grad():
    for layer in range(4):
        h, _ = attn(x, x, x)
        x = norm(x + h)
        x = norm(x + ff(x))
        scores = torch.softmax(x @ x.transpose(1, 2) / E ** 0.5, dim=-1)
print(scores.shape)
