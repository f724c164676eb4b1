"""Band-pass filtering of a long signal in overlapping chunks with numpy FFTs."""
import sys
import numpy as np


def bandpass(chunk, lo, hi, rate):
    spec = np.fft.rfft(chunk)
    freqs = np.fft.rfftfreq(chunk.size, 1.0 / rate)
    spec[(freqs < lo) | (freqs > hi)] = 0
    return np.fft.irfft(spec, n=chunk.size)


def main(seconds, rate=48000, chunk=65536):
    t = np.arange(seconds * rate) / rate
    signal = np.sin(2 * np.pi * 440 * t) + 0.5 * np.random.default_rng(0).standard_normal(t.size)
    out = np.empty_like(signal)
    hop = chunk // 2
    window = np.hanning(chunk)
    out[:] = 0.0
    for start in range(0, signal.size - chunk, hop):
        seg = signal[start:start + chunk] * window
        out[start:start + chunk] += bandpass(seg, 300.0, 600.0, rate)
    print(float(np.abs(out).max()))


if __name__ == "__main__":
    main(int(sys.argv[1]))
