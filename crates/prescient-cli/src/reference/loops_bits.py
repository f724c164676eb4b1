# Reference program for calibrating the interpreter model: integer and bit operations.
M = 0xFFFFFFFF
h = 0x12345678
t = {}
for i in range(120000):
    h = ((h << 5) ^ (h >> 3) ^ i) & M
    h = (h + 0x9E3779B9) & M
    t[i & 1023] = h
print(h, len(t))
