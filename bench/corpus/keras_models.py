"""Converter outputs for the real-model corpus: small Keras / tf.function models with seeded random
weights, converted by the official TFLite converter (tensorflow==2.19.0 in a bench-only venv).

These cover what the registry models do not: float32 Keras output, LSTM and GRU, a transformer
block (BATCH_MATMUL + layer norm), a dynamic sequence length (shape_signature -1), control flow
(tf.cond -> IF, tf.while_loop -> WHILE), an already-int8 post-training-quantized model and a
float32 model over 10 MB.
Requirements: tensorflow==2.19.0 tf-keras==2.19.0. Weights are random (fixed seeds), so only structure matters, never accuracy.

Usage: python keras_models.py OUT_DIR [NAME ...]
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

keras = tf.keras


def seeded(seed=0):
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def convert_keras(model, int8_rep=None):
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    if int8_rep is not None:
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = int8_rep
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return conv.convert()


def convert_fn(fn, concrete_args):
    concrete = fn.get_concrete_function(*concrete_args)
    conv = tf.lite.TFLiteConverter.from_concrete_functions([concrete], fn)
    return conv.convert()


def cnn_layers(x):
    x = keras.layers.Conv2D(16, 3, strides=2, padding="same")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU(6.0)(x)
    x = keras.layers.DepthwiseConv2D(3, padding="same")(x)
    x = keras.layers.Conv2D(32, 1)(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    return keras.layers.Dense(10)(x)  # logits: a softmax of random weights saturates and hides drift


def keras_cnn_f32():
    seeded(1)
    inp = keras.Input((64, 64, 3), batch_size=1)
    return convert_keras(keras.Model(inp, cnn_layers(inp)))


def keras_cnn_int8_ptq():
    seeded(2)
    inp = keras.Input((64, 64, 3), batch_size=1)
    model = keras.Model(inp, cnn_layers(inp))
    rng = np.random.default_rng(2)

    def rep():
        for _ in range(16):
            yield [rng.uniform(0, 1, (1, 64, 64, 3)).astype(np.float32)]

    return convert_keras(model, rep)


def keras_lstm():
    # Keras 3 LSTMs convert to a WHILE loop; the legacy tf_keras (tf-keras==2.19.0) LSTM converts to the
    # fused UNIDIRECTIONAL_SEQUENCE_LSTM op most deployed LSTM models carry.
    import tf_keras

    tf_keras.utils.set_random_seed(3)
    inp = tf_keras.Input((32, 16), batch_size=1)
    x = tf_keras.layers.LSTM(48, return_sequences=True)(inp)
    x = tf_keras.layers.LSTM(32)(x)
    model = tf_keras.Model(inp, tf_keras.layers.Dense(8)(x))
    return tf.lite.TFLiteConverter.from_keras_model(model).convert()


def keras_gru():
    seeded(4)
    inp = keras.Input((32, 16), batch_size=1)
    x = keras.layers.GRU(48)(inp)
    return convert_keras(keras.Model(inp, keras.layers.Dense(8)(x)))


def keras_transformer():
    seeded(5)
    d, heads, seq = 64, 4, 16
    inp = keras.Input((seq, d), batch_size=1)
    a = keras.layers.MultiHeadAttention(num_heads=heads, key_dim=d // heads)(inp, inp)
    x = keras.layers.LayerNormalization(epsilon=1e-6)(inp + a)
    f = keras.layers.Dense(4 * d, activation="gelu")(x)
    f = keras.layers.Dense(d)(f)
    x = keras.layers.LayerNormalization(epsilon=1e-6)(x + f)
    x = keras.layers.GlobalAveragePooling1D()(x)
    return convert_keras(keras.Model(inp, keras.layers.Dense(10)(x)))


def keras_dynamic_len():
    seeded(6)
    inp = keras.Input((None, 8), batch_size=1)  # sequence length unknown: shape_signature [1, -1, 8]
    x = keras.layers.Conv1D(32, 5, padding="same", activation="relu")(inp)
    x = keras.layers.Conv1D(32, 3, padding="same", activation="relu")(x)
    x = keras.layers.GlobalMaxPooling1D()(x)
    return convert_keras(keras.Model(inp, keras.layers.Dense(4)(x)))


def tf_control_flow():
    seeded(7)
    w1 = tf.Variable(tf.random.normal((16, 32), seed=7))
    w2 = tf.Variable(tf.random.normal((32, 32), seed=8) * 0.2)
    w3 = tf.Variable(tf.random.normal((32, 4), seed=9))

    @tf.function
    def fn(x):
        h = tf.nn.relu(tf.matmul(x, w1))
        # tf.cond -> IF (two branch subgraphs)
        h = tf.cond(tf.reduce_sum(x) > 0.0, lambda: tf.tanh(tf.matmul(h, w2)), lambda: tf.nn.relu(h) * 0.5)
        # tf.while_loop -> WHILE (cond + body subgraphs)
        i = tf.constant(0)
        _, h = tf.while_loop(lambda i, h: i < 3, lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w2)) + h), [i, h])
        return tf.matmul(h, w3)

    return convert_fn(fn, [tf.TensorSpec((1, 16), tf.float32)])


def keras_mobilenet_v2_f32():
    seeded(8)
    # Logits, not softmax: random weights saturate a softmax to one-hot, which hides any drift.
    model = keras.applications.MobileNetV2(input_shape=(224, 224, 3), weights=None, classes=1000, classifier_activation=None)
    return convert_keras(model)


MODELS = {
    "keras_cnn_f32": keras_cnn_f32,
    "keras_cnn_int8_ptq": keras_cnn_int8_ptq,
    "keras_lstm": keras_lstm,
    "keras_gru": keras_gru,
    "keras_transformer": keras_transformer,
    "keras_dynamic_len": keras_dynamic_len,
    "tf_control_flow": tf_control_flow,
    "keras_mobilenet_v2_f32": keras_mobilenet_v2_f32,
}


def main():
    out_dir = sys.argv[1]
    names = sys.argv[2:] or list(MODELS)
    os.makedirs(out_dir, exist_ok=True)
    for name in names:
        data = MODELS[name]()
        tmp = os.path.join(out_dir, f".{name}.tflite.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(out_dir, f"{name}.tflite"))
        print(f"{name}.tflite {len(data)} bytes", flush=True)


if __name__ == "__main__":
    main()
