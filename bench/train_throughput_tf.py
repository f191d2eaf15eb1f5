# TensorFlow-CPU side of bench/train-throughput.ts: samples/second of one Keras training epoch (Adam,
# sparse cross-entropy, the given batch) of LeNet-300-100 and Caffe's LeNet-5 on N random 28x28 inputs
# (throughput does not depend on the values). The second of two epochs is timed, so graph tracing and
# warm-up are excluded, as on the tfjs side. Prints one JSON object: model name -> samples/second.
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf

samples, batch = int(sys.argv[1]), int(sys.argv[2])
L = tf.keras.layers

def lenet300():
    return tf.keras.Sequential([L.Input((784,)), L.Dense(300, activation="relu"), L.Dense(100, activation="relu"), L.Dense(10)])

def lenet5():
    return tf.keras.Sequential([L.Input((28, 28, 1)), L.Conv2D(20, 5), L.MaxPool2D(2), L.Conv2D(50, 5), L.MaxPool2D(2),
                                L.Flatten(), L.Dense(500, activation="relu"), L.Dense(10)])

class EpochTimer(tf.keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None): self.t0 = time.perf_counter()
    def on_epoch_end(self, epoch, logs=None): self.seconds = time.perf_counter() - self.t0

rng = np.random.default_rng(1)
out = {}
for name, build, shape in [("lenet300", lenet300, (784,)), ("lenet5", lenet5, (28, 28, 1))]:
    x = rng.random((samples, *shape), dtype=np.float32)
    y = rng.integers(0, 10, samples)
    model = build()
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-4), loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    timer = EpochTimer()
    model.fit(x, y, batch_size=batch, epochs=2, shuffle=True, verbose=0, callbacks=[timer])
    out[name] = samples / timer.seconds
print(json.dumps(out))
