"""Second opinion for scripts/int4-kernel-probe.ts: runs the int8/int4 model pairs it wrote in a
Python LiteRT (tf.lite with TensorFlow, or ai_edge_litert) and compares int4 against int8.

    python scripts/int4_kernel_probe.py <probe-dir> tf|litert [--no-xnnpack]
"""
import json
import sys

import numpy as np


def interpreter(path, runtime, xnnpack):
    if runtime == "tf":
        import tensorflow as tf
        ops = tf.lite.experimental.OpResolverType.AUTO if xnnpack else tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
        return tf.lite.Interpreter(model_path=path, experimental_op_resolver_type=ops)
    from ai_edge_litert import interpreter as lite
    ops = lite.OpResolverType.AUTO if xnnpack else lite.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    return lite.Interpreter(model_path=path, experimental_op_resolver_type=ops)


def run(path, inputs, runtime, xnnpack):
    try:
        it = interpreter(path, runtime, xnnpack)
        it.allocate_tensors()
        outs = []
        for x in inputs:
            d = it.get_input_details()[0]
            it.set_tensor(d["index"], x.reshape(d["shape"]))
            it.invoke()
            outs.append(np.array(it.get_tensor(it.get_output_details()[0]["index"]), dtype=np.float64))
        return outs
    except Exception as e:  # the refusal is the result
        return " ".join(str(e).split())


def main():
    root, runtime = sys.argv[1], sys.argv[2]
    xnnpack = "--no-xnnpack" not in sys.argv
    for case in json.load(open(f"{root}/cases.json")):
        stem = case["stem"]
        inputs = [np.fromfile(f"{root}/{stem}-in{i}.bin", dtype=np.float32) for i in range(case["samples"])]
        ref = run(f"{root}/{stem}-int8.tflite", inputs, runtime, xnnpack)
        got = run(f"{root}/{stem}-int4.tflite", inputs, runtime, xnnpack)
        if isinstance(ref, str):
            verdict = f"int8 reference failed: {ref}"
        elif isinstance(got, str):
            verdict = f"REFUSED: {got}"
        else:
            diff = max(float(np.max(np.abs(a - b))) for a, b in zip(ref, got))
            top = max(float(np.max(np.abs(a))) for a in ref)
            verdict = "RUNS, identical to int8 with the same values" if diff == 0 else f"RUNS, max |diff| {diff:.3g} vs int8 (max |int8 output| {top:.3g})"
        print(f"{case['label']:<40} {verdict}")


main()
