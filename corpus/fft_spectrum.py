import numpy as np

fs = 8000
t = np.arange(2 ** 16) / fs
signal = np.sin(2 * np.pi * 440 * t) + 0.5 * np.sin(2 * np.pi * 1000 * t)
window = np.hanning(len(signal))
spectrum = np.fft.rfft(signal * window)
power = np.abs(spectrum) ** 2
freqs = np.fft.rfftfreq(len(signal), 1 / fs)
kernel = np.ones(64) / 64
smooth = np.convolve(power, kernel, mode="same")
print(freqs[np.argmax(smooth)])
