import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

rng = np.random.default_rng(1)
images = rng.random((16, 64, 64))
kernels = rng.random((8, 5, 5))
windows = sliding_window_view(images, (5, 5), axis=(1, 2))
features = np.einsum("bhwij,kij->bkhw", windows, kernels)
print(features.shape)
