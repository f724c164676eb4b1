import os
import sys

import numpy as np

path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/prescient_corpus_io.npy"
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
data = np.arange(n, dtype=np.float64)
np.save(path, data)
size = os.path.getsize(path)
back = np.load(path)
raw = back.tobytes()
again = np.frombuffer(raw, dtype=np.float64)
print(size, again[-1])
os.remove(path)
