"""Fashion-MNIST IDX files (Debian dataset-fashion-mnist) for the frontier bench scripts."""
import gzip
import os
import struct

import numpy as np

DATA = os.environ.get('FASHION_MNIST_DIR', '/usr/share/datasets/fashion-mnist')


def read_idx(path):
    with gzip.open(path, 'rb') as f:
        raw = f.read()
    ndim = raw[3]
    dims = struct.unpack('>' + 'I' * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + struct.pack('>' + 'I' * array.ndim, *array.shape)
    with gzip.GzipFile(path, 'wb', mtime=0) as f:
        f.write(header + array.astype(np.uint8).tobytes())
