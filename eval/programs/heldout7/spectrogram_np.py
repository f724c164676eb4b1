"""Spectrogram of a long synthetic signal in numpy, processed in chunks of
frames: Hann window, rfft, power in dB, and a running peak frequency."""
import sys

import numpy as np


def frames(signal, size, hop):
    n = 1 + (len(signal) - size) // hop
    idx = np.arange(size)[None, :] + hop * np.arange(n)[:, None]
    return signal[idx]


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    rate = 16000
    size, hop = 1024, 256
    rng = np.random.default_rng(8)
    t = np.arange(seconds * rate) / rate
    signal = np.sin(2 * np.pi * (440 + 100 * np.sin(0.1 * t)) * t) + 0.3 * rng.standard_normal(t.size)
    window = np.hanning(size)
    chunk = rate * 30
    peaks = []
    for start in range(0, signal.size - size, chunk):
        f = frames(signal[start:start + chunk + size], size, hop) * window
        spec = np.abs(np.fft.rfft(f, axis=1)) ** 2
        db = 10 * np.log10(spec + 1e-12)
        peaks.append(db.argmax(axis=1))
    peaks = np.concatenate(peaks)
    print("frames", peaks.size, "mean peak bin", float(peaks.mean()))


if __name__ == "__main__":
    main()
