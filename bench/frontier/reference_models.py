"""Reference models and peers for `npm run frontier` (bench-only; venv-tf: TensorFlow 2.19 + tf-keras +
tensorflow-model-optimization 0.8, TF_USE_LEGACY_KERAS=1).

  python reference_models.py OUT [--epochs 4] [--models lenet300,lenet5,mobilenetv2]

For each model, trained in Keras on the first 55,000 Fashion-MNIST training images (the last 5,000 are the
validation split mlshrink searches on; the 10k test set is only ever used to report):
  OUT/<m>/float.tflite                the float model, converted by the official TFLite converter
  OUT/<m>/control.tflite              the same model after `CONTROL_EPOCHS` more plain epochs (no compression)
  OUT/<m>/peer-ptq-dynamic.tflite     converter dynamic-range quantization
  OUT/<m>/peer-ptq-int8.tflite        converter full-integer PTQ (500 representative training images)
  OUT/<m>/peer-tfmot-prune80.tflite   TFMOT magnitude pruning to 80 % over 2 epochs, stripped, int8 PTQ
  OUT/<m>/peer-tfmot-cluster16.tflite TFMOT 16-cluster weight clustering, 1 fine-tune epoch, int8 PTQ
  OUT/<m>/peer-tfmot-prune80-cluster16.tflite  sparsity-preserving clustering of the pruned model, int8 PTQ
and OUT/val-images-idx3-ubyte.gz / OUT/val-labels-idx1-ubyte.gz (the validation split, IDX like the originals).
Seeds are fixed; TensorFlow's CPU kernels are not bit-deterministic across machines, so sizes can differ
slightly between runs.
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import numpy as np
import tensorflow as tf
import tf_keras as keras
import tensorflow_model_optimization as tfmot

from fashion_idx import DATA, read_idx, write_idx

TRAIN_N = 55000
CONTROL_EPOCHS = 2
L = keras.layers


def lenet300():
    return keras.Sequential([keras.Input((784,)), L.Dense(300, activation='relu'), L.Dense(100, activation='relu'), L.Dense(10)])


def lenet5():
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        L.Conv2D(20, 5, activation='relu'), L.MaxPooling2D(),
        L.Conv2D(50, 5, activation='relu'), L.MaxPooling2D(),
        L.Flatten(), L.Dense(500, activation='relu'), L.Dense(10)])


def _inverted_residual(x, t, c, s):
    cin = x.shape[-1]
    h = x
    if t != 1:
        h = L.ReLU(6.)(L.BatchNormalization()(L.Conv2D(cin * t, 1, use_bias=False)(h)))
    h = L.ReLU(6.)(L.BatchNormalization()(L.DepthwiseConv2D(3, strides=s, padding='same', use_bias=False)(h)))
    h = L.BatchNormalization()(L.Conv2D(c, 1, use_bias=False)(h))
    return L.Add()([x, h]) if s == 1 and cin == c else h


def mobilenetv2():
    """MobileNetV2-style for 28x28x1: inverted residuals with batch norm (folded by the converter)."""
    inp = keras.Input((28, 28, 1))
    x = L.ReLU(6.)(L.BatchNormalization()(L.Conv2D(16, 3, padding='same', use_bias=False)(inp)))
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 3, 2), (6, 80, 2, 1)]:
        for i in range(n):
            x = _inverted_residual(x, t, c, s if i == 0 else 1)
    x = L.ReLU(6.)(L.BatchNormalization()(L.Conv2D(320, 1, use_bias=False)(x)))
    return keras.Model(inp, L.Dense(10)(L.GlobalAveragePooling2D()(x)))


BUILDERS = {'lenet300': lenet300, 'lenet5': lenet5, 'mobilenetv2': mobilenetv2}


def data_for(name, images):
    x = images.astype(np.float32) / 255.0
    return x.reshape(-1, 784) if name == 'lenet300' else x.reshape(-1, 28, 28, 1)


def compile_model(model, lr=1e-3):
    model.compile(optimizer=keras.optimizers.Adam(lr), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=['accuracy'])


def convert(model, path, quant=None, rep=None):
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    if quant in ('dynamic', 'int8'):
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
    if quant == 'int8':
        conv.representative_dataset = lambda: ([r[None]] for r in rep)
    with open(path, 'wb') as f:
        f.write(conv.convert())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('--epochs', type=int, default=4)
    ap.add_argument('--models', default='lenet300,lenet5,mobilenetv2')
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    images, labels = read_idx(f'{DATA}/train-images-idx3-ubyte.gz'), read_idx(f'{DATA}/train-labels-idx1-ubyte.gz')
    write_idx(os.path.join(a.out, 'val-images-idx3-ubyte.gz'), images[TRAIN_N:])
    write_idx(os.path.join(a.out, 'val-labels-idx1-ubyte.gz'), labels[TRAIN_N:])
    y = labels[:TRAIN_N].astype(np.int64)
    timings = {}
    for name in a.models.split(','):
        d = os.path.join(a.out, name)
        os.makedirs(d, exist_ok=True)
        x = data_for(name, images[:TRAIN_N])
        rep = x[:500]
        keras.utils.set_random_seed(1)
        model = BUILDERS[name]()
        compile_model(model)
        t = time.time()
        model.fit(x, y, batch_size=64, epochs=a.epochs, verbose=0, shuffle=True)
        timings[f'{name}.train_s_per_epoch'] = round((time.time() - t) / a.epochs, 2)
        model.save_weights(os.path.join(d, 'float.weights.h5'))
        convert(model, os.path.join(d, 'float.tflite'))
        convert(model, os.path.join(d, 'peer-ptq-dynamic.tflite'), 'dynamic')
        convert(model, os.path.join(d, 'peer-ptq-int8.tflite'), 'int8', rep)

        # Control: the extra epochs the compressing peers get, without compression.
        control = BUILDERS[name]()
        control.set_weights(model.get_weights())
        compile_model(control, 5e-4)
        control.fit(x, y, batch_size=64, epochs=CONTROL_EPOCHS, verbose=0)
        convert(control, os.path.join(d, 'control.tflite'))

        steps = int(np.ceil(len(x) / 64)) * 2
        prune = tfmot.sparsity.keras.prune_low_magnitude(
            _clone(model), pruning_schedule=tfmot.sparsity.keras.PolynomialDecay(0.0, 0.8, 0, steps))
        compile_model(prune, 5e-4)
        prune.fit(x, y, batch_size=64, epochs=2, verbose=0, callbacks=[tfmot.sparsity.keras.UpdatePruningStep()])
        pruned = tfmot.sparsity.keras.strip_pruning(prune)
        convert(pruned, os.path.join(d, 'peer-tfmot-prune80.tflite'), 'int8', rep)

        cl = tfmot.clustering.keras
        clustered = cl.cluster_weights(_clone(model), number_of_clusters=16,
                                       cluster_centroids_init=cl.CentroidInitialization.KMEANS_PLUS_PLUS)
        compile_model(clustered, 1e-4)
        clustered.fit(x, y, batch_size=64, epochs=1, verbose=0)
        convert(cl.strip_clustering(clustered), os.path.join(d, 'peer-tfmot-cluster16.tflite'), 'int8', rep)

        pc = cl.cluster_weights(_clone(pruned), number_of_clusters=16, preserve_sparsity=True,
                                cluster_centroids_init=cl.CentroidInitialization.KMEANS_PLUS_PLUS)
        compile_model(pc, 1e-4)
        pc.fit(x, y, batch_size=64, epochs=1, verbose=0)
        convert(cl.strip_clustering(pc), os.path.join(d, 'peer-tfmot-prune80-cluster16.tflite'), 'int8', rep)
        print(f'{name}: done', file=sys.stderr, flush=True)
    with open(os.path.join(a.out, 'timings.json'), 'w') as f:
        json.dump(timings, f, indent=1)


def _clone(model):
    c = keras.models.clone_model(model)
    c.set_weights(model.get_weights())
    return c


if __name__ == '__main__':
    main()
