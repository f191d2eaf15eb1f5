"""Top-1 accuracy of .tflite files on the Fashion-MNIST 10k test set in Python ai-edge-litert (bench-only;
venv-aeq). Prints one JSON object {path: accuracy}. Inputs are pixels / 255 shaped as each model's
input ([1,784] or [1,28,28,1]); int8 inputs are quantized with the input tensor's own scale/zero point.

  python evaluate.py MODEL.tflite...
"""
import json
import sys

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from fashion_idx import DATA, read_idx


def accuracy(path, images, labels):
    it = Interpreter(model_path=path)
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    # Batch the whole test set in one invocation.
    shape = [len(images)] + list(inp['shape'][1:])
    it.resize_tensor_input(inp['index'], shape)
    it.allocate_tensors()
    x = (images.astype(np.float32) / 255.0).reshape(shape)
    if inp['dtype'] != np.float32:
        scale, zero = inp['quantization']
        x = np.clip(np.round(x / scale + zero), np.iinfo(inp['dtype']).min, np.iinfo(inp['dtype']).max).astype(inp['dtype'])
    it.set_tensor(inp['index'], x)
    it.invoke()
    y = it.get_tensor(out['index'])
    return float(np.mean(np.argmax(y.reshape(len(images), -1), axis=1) == labels))


def main():
    images = read_idx(f'{DATA}/t10k-images-idx3-ubyte.gz')
    labels = read_idx(f'{DATA}/t10k-labels-idx1-ubyte.gz').astype(np.int64)
    print(json.dumps({p: accuracy(p, images, labels) for p in sys.argv[1:]}))


if __name__ == '__main__':
    main()
