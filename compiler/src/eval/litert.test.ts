import { describe, expect, it } from 'vitest';
import { LiteRtError, loadLiteRt, typedArrayFor, type TypedArray } from './litert.js';
import { readFixture } from '../testing/fixtures.js';
import { prng } from '../util/prng.js';
import { readModel } from '../tflite/read.js';
import { writeModel } from '../tflite/write.js';
import { prepareForLiteRt } from './litert-compat.js';
import { BuiltinOperator } from '../tflite/builtin-ops.js';

describe('loadLiteRt', () => {
  it.each(['mediapipe/face_detection_short_range.tflite', 'mediapipe/hand_landmark_lite.tflite', 'mediapipe/selfie_segmentation.tflite'])(
    '%s loads and gives finite outputs of the declared shapes',
    async (rel) => {
      const model = await loadLiteRt(readFixture(rel));
      try {
        expect(model.inputs).toHaveLength(1);
        expect(model.inputs[0].dtype).toBe('float32');
        const rand = prng(7);
        const input = new Float32Array(model.inputs[0].shape.reduce((a, b) => a * b, 1)).map(() => rand());
        const outputs = await model.run([input]);
        expect(outputs).toHaveLength(model.outputs.length);
        outputs.forEach((out, i) => {
          expect(out).toBeInstanceOf(Float32Array);
          expect(out.length).toBe(model.outputs[i].shape.reduce((a, b) => a * b, 1));
          expect((out as Float32Array).every(Number.isFinite)).toBe(true);
        });
        // A different input must change the result: the runtime really computes.
        const other = await model.run([input.map((v) => 1 - v)]);
        expect(Buffer.from(other[0].buffer).equals(Buffer.from(outputs[0].buffer))).toBe(false);
        // Same input, same bits.
        const again = await model.run([input]);
        expect(Buffer.from(again[0].buffer).equals(Buffer.from(outputs[0].buffer))).toBe(true);
      } finally {
        model.dispose();
      }
    },
  );

  it('hand_landmark_lite reports all four outputs with their shapes', async () => {
    const model = await loadLiteRt(readFixture('mediapipe/hand_landmark_lite.tflite'));
    expect(model.inputs).toEqual([{ name: 'input_1', shape: [1, 224, 224, 3], dtype: 'float32' }]);
    expect(model.outputs.map((o) => o.shape)).toEqual([[1, 63], [1, 1], [1, 1], [1, 63]]);
    model.dispose();
  });

  it('runs int8 in/out models: micro_speech softmax output sums to ~1 after dequantization', async () => {
    const model = await loadLiteRt(readFixture('tflm/micro_speech_quantized.tflite'));
    try {
      expect(model.inputs[0]).toMatchObject({ shape: [1, 1960], dtype: 'int8' });
      expect(model.outputs[0]).toMatchObject({ shape: [1, 4], dtype: 'int8' });
      const rand = prng(3);
      for (let trial = 0; trial < 3; trial++) {
        const input = new Int8Array(1960).map(() => Math.floor(rand() * 256) - 128);
        const [out] = await model.run([input]);
        expect(out).toBeInstanceOf(Int8Array);
        // int8 SOFTMAX output has the fixed quantization scale 1/256, zero point -128 (TFLite quantization spec).
        const total = Array.from(out as Int8Array).reduce((s, q) => s + (q + 128) / 256, 0);
        expect(total).toBeGreaterThan(0.97);
        expect(total).toBeLessThan(1.03);
      }
    } finally {
      model.dispose();
    }
  });

  it('refuses LSTM models with variable tensors with a clear error', async () => {
    await expect(loadLiteRt(readFixture('tflm/trained_lstm.tflite'))).rejects.toThrow(/variable tensors/);
    await expect(loadLiteRt(readFixture('tflm/trained_lstm_int8.tflite'))).rejects.toBeInstanceOf(LiteRtError);
  });

  it('explains the person_detect quantized_dimension refusal and dynamic shapes (see litert-compat.test.ts)', async () => {
    await expect(loadLiteRt(readFixture('tflm/person_detect.tflite'))).rejects.toThrow(/quantized_dimension must be in range/);
    await expect(loadLiteRt(readFixture('tflm/hello_world_float.tflite'))).rejects.toThrow(/dynamic shape.*prepareForLiteRt/);
  });

  it('fails a run whose op failed to prepare (an unresolved custom op) instead of returning its garbage', async () => {
    // LiteRT.js logs "Encountered unresolved custom op" and still hands back output buffers.
    const model = prepareForLiteRt(readModel(readFixture('tflm/hello_world_float.tflite')));
    const code = model.operatorCodes[0]!;
    const custom = { ...model, operatorCodes: [{ ...code, builtinCode: BuiltinOperator.CUSTOM, deprecatedBuiltinCode: BuiltinOperator.CUSTOM, customCode: 'NoSuchOp' }] };
    for (const [m, ok] of [[model, true], [custom, false]] as const) {
      const loaded = await loadLiteRt(writeModel(m));
      try {
        const run = loaded.run([new Float32Array([1.5])]);
        if (ok) expect(Math.abs(Number((await run)[0]![0]) - Math.sin(1.5))).toBeLessThan(0.1);
        else await expect(run).rejects.toThrow(/LiteRT run failed: .*unresolved custom op: NoSuchOp/);
      } finally {
        loaded.dispose();
      }
    }
  });

  it('rejects garbage bytes and wrong inputs', async () => {
    await expect(loadLiteRt(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).rejects.toBeInstanceOf(LiteRtError);
    const model = await loadLiteRt(readFixture('tflm/micro_speech_quantized.tflite'));
    try {
      await expect(model.run([])).rejects.toThrow(/takes 1 input/);
      await expect(model.run([new Float32Array(1960)])).rejects.toThrow(/Int8Array/);
      await expect(model.run([new Int8Array(10)])).rejects.toThrow(/1960 elements/);
    } finally {
      model.dispose();
    }
    await expect(model.run([new Int8Array(1960)])).rejects.toThrow(/dispose/);
  });

  it('maps dtypes to typed arrays', () => {
    const pairs: [Parameters<typeof typedArrayFor>[0], new (n: number) => TypedArray][] = [
      ['float32', Float32Array],
      ['int8', Int8Array],
      ['uint8', Uint8Array],
      ['int64', BigInt64Array],
    ];
    for (const [dtype, ctor] of pairs) expect(typedArrayFor(dtype)).toBe(ctor);
  });
});

describe('loadLiteRt on simple_add', () => {
  it('adds its two int8 inputs (requantized with the tensors own scales)', async () => {
    const bytes = readFixture('tflm/simple_add_model.tflite');
    const sg = readModel(bytes).subgraphs[0];
    const quant = (t: number): { scale: number; zero: number } => {
      const q = sg.tensors[t].quantization;
      return { scale: q?.scale?.[0] ?? 1, zero: Number(q?.zeroPoint?.[0] ?? 0n) };
    };
    const [qa, qb, qo] = [quant(sg.inputs[0]), quant(sg.inputs[1]), quant(sg.outputs[0])];
    const model = await loadLiteRt(bytes);
    try {
      const rand = prng(11);
      const n = 128 * 128;
      const a = new Int8Array(n).map(() => Math.floor(rand() * 256) - 128);
      const b = new Int8Array(n).map(() => Math.floor(rand() * 256) - 128);
      const [out] = (await model.run([a, b])) as Int8Array[];
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const sum = (a[i] - qa.zero) * qa.scale + (b[i] - qb.zero) * qb.scale;
        const expected = Math.max(-128, Math.min(127, Math.round(sum / qo.scale) + qo.zero));
        worst = Math.max(worst, Math.abs(out[i] - expected));
      }
      // Integer kernels round through fixed-point multipliers: off by at most one step.
      expect(worst).toBeLessThanOrEqual(1);
    } finally {
      model.dispose();
    }
  });
});
