import sys

import numpy as np
from scipy import signal

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
fs = 48000.0
rng = np.random.default_rng(3)
x = rng.standard_normal(n)
b, a = signal.butter(4, 1000, fs=fs)
y = signal.lfilter(b, a, x)
z = signal.filtfilt(b, a, x)
sos = signal.butter(8, [500, 2000], btype="bandpass", fs=fs, output="sos")
w = signal.sosfilt(sos, x)
taps = signal.firwin(101, 3000, fs=fs)
v = signal.fftconvolve(x, taps, mode="same")
f, t, Z = signal.stft(x, fs=fs, nperseg=512)
print(y[-1], z[0], w[10], v[5], Z.shape)
