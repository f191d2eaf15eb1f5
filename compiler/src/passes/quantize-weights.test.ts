/** Unit tests of the weight-only passes (fold-fp16, float16, dynamic range) on a hand-built model. */
import { describe, expect, it } from 'vitest';
import { opName, tensorData } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { foldFp16Weights } from './fold-fp16-weights.js';
import { silentContext, type PassResult } from './pass.js';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../ir/float16.js';
import { dynamicInt8Ops, int8WeightSaves, quantizeDynamic } from './quantize-dynamic.js';
import { readModel } from '../tflite/read.js';
import { readFixture } from '../testing/fixtures.js';
import { writeModel } from '../tflite/write.js';
import { quantizeFloat16, survivesFloat16 } from './quantize-float16.js';
import { BuiltinOperator } from '../tflite/builtin-ops.js';
import { testFloatModel } from './quantize-test-model.js';

const run = (p: { run: (m: Model, o: never, c: typeof silentContext) => unknown }, m: Model, o: object = {}): PassResult =>
  p.run(m, o as never, silentContext) as PassResult;

function weights(model: Model, name: string): Float32Array {
  const sg = model.subgraphs[0]!;
  const t = sg.tensors.find((x) => x.name === name)!;
  return tensorData(model, t) as Float32Array;
}

describe('quantize-float16 and fold-fp16-weights', () => {
  const input = testFloatModel();

  it('stores every float constant as FLOAT16 behind a DEQUANTIZE that writes the original tensor', () => {
    const { model, stats } = run(quantizeFloat16, input);
    expect(stats.convertedTensors).toBe(6); // 3 weights + 3 biases
    const sg = model.subgraphs[0]!;
    const deq = sg.operators.filter((o) => opName(model, o) === 'DEQUANTIZE');
    expect(deq).toHaveLength(6);
    for (const o of deq) {
      expect(sg.tensors[o.inputs[0]!]!.type).toBe(TensorType.FLOAT16);
      expect(sg.tensors[o.outputs[0]!]!.type).toBe(TensorType.FLOAT32);
      expect(sg.tensors[o.outputs[0]!]!.buffer).toBe(0);
    }
    expect(sg.tensors.filter((t) => t.type === TensorType.FLOAT32 && (model.buffers[t.buffer]?.data.length ?? 0) > 0)).toHaveLength(0);
    // The conv weights now read as their fp16 rounding.
    const w16 = sg.tensors.find((t) => t.name === 'conv/w_fp16')!;
    const bits = tensorData(model, w16) as Uint16Array;
    const orig = weights(input, 'conv/w');
    bits.forEach((b, i) => expect(float16BitsToFloat32(b)).toBe(float16BitsToFloat32(float32ToFloat16Bits(orig[i]!))));
  });

  it('fold-fp16-weights undoes it: float32 constants with the fp16 values, no DEQUANTIZE, no FLOAT16 left', () => {
    const half = run(quantizeFloat16, input).model;
    const { model, stats } = run(foldFp16Weights, half);
    expect(stats.foldedTensors).toBe(6);
    const sg = model.subgraphs[0]!;
    expect(sg.operators.map((o) => opName(model, o))).toEqual(input.subgraphs[0]!.operators.map((o) => opName(input, o)));
    expect(sg.tensors.some((t) => t.type === TensorType.FLOAT16)).toBe(false);
    expect(sg.tensors).toHaveLength(input.subgraphs[0]!.tensors.length);
    const folded = weights(model, 'fc/w');
    const orig = weights(input, 'fc/w');
    folded.forEach((v, i) => expect(Math.abs(v - orig[i]!)).toBeLessThanOrEqual(Math.abs(orig[i]!) * 2 ** -11));
    // Idempotent on a model without fp16 weights.
    expect(run(foldFp16Weights, input).model).toBe(input);
  });
});

describe('quantize-dynamic', () => {
  const input = testFloatModel();

  it('int8 per-channel weights on CONV_2D (axis 0), DEPTHWISE (axis 3), FC (axis 0); float activations and biases', () => {
    const { model, stats } = run(quantizeDynamic, input, { onlyWhenSmaller: false });
    expect(stats.quantizedOps).toEqual({ CONV_2D: 1, DEPTHWISE_CONV_2D: 1, FULLY_CONNECTED: 1 });
    const sg = model.subgraphs[0]!;
    const axes: Record<string, number> = { CONV_2D: 0, DEPTHWISE_CONV_2D: 3, FULLY_CONNECTED: 0 };
    for (const o of sg.operators) {
      const name = opName(model, o);
      if (!(name in axes)) continue;
      const [x, w, b] = o.inputs.map((t) => sg.tensors[t]!);
      expect(x!.type).toBe(TensorType.FLOAT32);
      expect(b!.type).toBe(TensorType.FLOAT32);
      expect(w!.type).toBe(TensorType.INT8);
      const q = w!.quantization!;
      expect(q.quantizedDimension).toBe(axes[name]);
      expect(q.scale).toHaveLength(w!.shape![axes[name]!]!);
      expect(q.zeroPoint!.every((z) => z === 0n)).toBe(true);
      const v = tensorData(model, w!) as Int8Array;
      expect(v.every((e) => e >= -127 && e <= 127)).toBe(true);
    }
    // Dequantized weights are within half a step of the originals.
    const w = sg.tensors.find((t) => t.name === 'dw/w' && t.type === TensorType.INT8)!;
    const q = tensorData(model, w) as Int8Array;
    const orig = weights(input, 'dw/w');
    q.forEach((v, i) => {
      const s = w.quantization!.scale![i % 3]!;
      expect(Math.abs(v * s - orig[i]!)).toBeLessThanOrEqual(s / 2 + 1e-7);
    });
  });

  it('never mutates its input (nor do the fp16 passes)', () => {
    const ser = (m: Model): string => JSON.stringify(m, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Array.from(v) : v));
    const before = ser(input);
    run(quantizeDynamic, input, { onlyWhenSmaller: false });
    const half = run(quantizeFloat16, input).model;
    expect(ser(input)).toBe(before);
    const halfBefore = ser(half);
    run(foldFp16Weights, half);
    run(quantizeDynamic, half, { onlyWhenSmaller: false }); // folds internally
    expect(ser(half)).toBe(halfBefore);
  });

  it('by default quantizes every weight whose int8 form makes the file smaller, however small', () => {
    // fc/w (96 values, 4 scales) shrinks the file; dw/w (27 values, 3 scales) and conv/w (6, 3) would grow it.
    const { model, stats } = run(quantizeDynamic, input);
    expect(stats.quantizedOps).toEqual({ FULLY_CONNECTED: 1 });
    expect(stats.keptFloatSmallWeights).toEqual({ CONV_2D: 1, DEPTHWISE_CONV_2D: 1 });
    // What int8WeightSaves predicts is what the writer does, checked against quantizing each one regardless.
    const size = (keepFloat: number[]): number => writeModel(run(quantizeDynamic, input, { onlyWhenSmaller: false, keepFloat }).model).length;
    const [convOp, dwOp, fcOp] = [0, 1, 6];
    const all = size([]);
    expect(size([fcOp])).toBeGreaterThan(all); // fc int8 saves bytes
    expect(size([dwOp])).toBeLessThan(all); // dw int8 costs bytes
    expect(size([convOp])).toBeLessThan(all);
    expect(writeModel(model).length).toBe(size([convOp, dwOp]));
    expect([int8WeightSaves(96, 4), int8WeightSaves(27, 3), int8WeightSaves(6, 3)]).toEqual([true, false, false]);
    // Larger weights: 3×3 depthwise pays off from 6 channels on, a 1×1 conv on one input channel never.
    expect([int8WeightSaves(9 * 5, 5), int8WeightSaves(9 * 8, 8), int8WeightSaves(64, 64)]).toEqual([false, true, false]);
  });

  it('decides the small weights the estimate rules out in the written file: int8 when the .tflite does not grow', () => {
    // tflm hello_world: op 0 is 1→16 (16 weights, 16 scales), op 2 is 16→1 (16 weights, 1 scale).
    const model = readModel(readFixture('tflm/hello_world_float.tflite'));
    expect([int8WeightSaves(16, 16), int8WeightSaves(16, 1)]).toEqual([false, false]);
    const { model: out, stats } = run(quantizeDynamic, model);
    expect(stats.quantizedOps).toEqual({ FULLY_CONNECTED: 2 });
    expect(stats.keptFloatSmallWeights).toEqual({ FULLY_CONNECTED: 1 });
    const size = (keepFloat: number[]): number => writeModel(run(quantizeDynamic, model, { onlyWhenSmaller: false, keepFloat }).model).length;
    expect(writeModel(out).length).toBe(size([0]));
    // Op 2 as int8 does not grow the file (estimated: +44 B); op 0 as int8 beside it (op order, greedy) would.
    expect(size([0])).toBeLessThanOrEqual(size([0, 2]));
    expect(size([2])).toBeGreaterThan(size([0, 2]));
    expect(dynamicInt8Ops(model)).toEqual(new Set([1, 2]));
    // onlyWhenSmaller: false skips the measurement and quantizes all three.
    expect(run(quantizeDynamic, model, { onlyWhenSmaller: false }).stats.quantizedOps).toEqual({ FULLY_CONNECTED: 3 });
  });

  it('respects minElements and skipOps', () => {
    const small = run(quantizeDynamic, input, { minElements: 1024 }).stats; // all weights < 1024 elements
    expect(small.quantizedOps).toEqual({});
    expect(small.keptFloatSmallWeights).toEqual({ CONV_2D: 1, DEPTHWISE_CONV_2D: 1, FULLY_CONNECTED: 1 });
    expect(run(quantizeDynamic, input, { onlyWhenSmaller: false, skipOps: ['DEPTHWISE_CONV_2D'] }).stats.quantizedOps).toEqual({ CONV_2D: 1, FULLY_CONNECTED: 1 });
  });
});

describe('quantize-float16 keeps constants float16 cannot hold', () => {
  /** input → MAXIMUM(x, eps) → LOG → MUL(big) → ADD(w), the log-mel pattern of openWakeWord's melspectrogram. */
  function epsModel(eps: number, big: number): Model {
    const f32 = (...v: number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);
    const buffers = [{ data: new Uint8Array(0) }, { data: f32(eps) }, { data: f32(big) }, { data: f32(0.5, -0.25, 1e-9, 2) }];
    const t = (name: string, buffer: number, shape: number[]) => ({ name, shape, type: TensorType.FLOAT32, buffer, isVariable: false, hasRank: true });
    const tensors = [t('x', 0, [4]), t('eps', 1, []), t('clamped', 0, [4]), t('log', 0, [4]), t('big', 2, []), t('scaled', 0, [4]), t('w', 3, [4]), t('y', 0, [4])];
    const op = (opcodeIndex: number, inputs: number[], outputs: number[]) => ({ opcodeIndex, inputs, outputs, customOptionsFormat: 0 });
    return {
      version: 3,
      operatorCodes: [BuiltinOperator.MAXIMUM, BuiltinOperator.LOG, BuiltinOperator.MUL, BuiltinOperator.ADD].map((c) => ({ builtinCode: c, deprecatedBuiltinCode: c, version: 1 })),
      subgraphs: [{ tensors, inputs: [0], outputs: [7], operators: [op(0, [0, 1], [2]), op(1, [2], [3]), op(2, [3, 4], [5]), op(3, [5, 6], [7])], name: 'main' }],
      buffers,
    } as Model;
  }

  it('an epsilon that underflows to 0 and a constant beyond ±65504 stay float32; ordinary weights (even with a tiny entry) convert', () => {
    const input = epsModel(1e-10, 1e5);
    const { model, stats, warnings } = run(quantizeFloat16, input);
    expect(stats.convertedTensors).toBe(1);
    expect(stats.keptFloat32).toBe(2);
    expect(warnings.join()).toMatch(/eps.*big|big.*eps/);
    const sg = model.subgraphs[0]!;
    const eps = sg.tensors.find((x) => x.name === 'eps')!;
    expect(eps.type).toBe(TensorType.FLOAT32);
    expect(Array.from(tensorData(model, eps) as Float32Array)).toEqual([Math.fround(1e-10)]);
    expect(Array.from(tensorData(model, sg.tensors.find((x) => x.name === 'big')!) as Float32Array)).toEqual([1e5]);
    expect(sg.tensors.find((x) => x.name === 'w_fp16')!.type).toBe(TensorType.FLOAT16);
  });

  it('an epsilon float16 holds (1e-3) is converted as before', () => {
    const { stats } = run(quantizeFloat16, epsModel(1e-3, 100));
    expect(stats.convertedTensors).toBe(3);
    expect(stats.keptFloat32).toBe(0);
  });

  it('survivesFloat16 judges the tensor as a whole', () => {
    const check = (...v: number[]): boolean => {
      const f = new Float32Array(v);
      return survivesFloat16(f, Uint16Array.from(f, (x) => float32ToFloat16Bits(x)));
    };
    expect(check(1e-10)).toBe(false); // → 0
    expect(check(3e-7)).toBe(false); // → subnormal, ~10 % off
    expect(check(70000)).toBe(false); // → inf
    expect(check(0)).toBe(true);
    expect(check(1, -2, 3e-9)).toBe(true); // the tiny entry is negligible in the whole
    expect(check(Infinity, 1)).toBe(true); // inf stays inf
  });
});
