import { describe, expect, it } from 'vitest';
import { unpackInt4 } from '../ir/int4.js';
import type { Model } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { verifyModel } from '../ir/verify.js';
import { weightNet } from '../testing/weight-nets.js';
import { readModel } from '../tflite/read.js';
import { writeModel } from '../tflite/write.js';
import type { PassResult } from './pass.js';
import { quantizeInt4 } from './quantize-int4.js';

/** A full-int8 chain FC → CONV → DEPTHWISE → TRANSPOSE_CONV whose biases carry int8-spec scales (input scale 0.05 × weight scale). */
function net(): { model: Model; weights: number[]; biases: number[] } {
  const n = weightNet([
    { op: 9, weightShape: [16, 32] },
    { op: 3, weightShape: [8, 3, 3, 4] },
    { op: 4, weightShape: [1, 3, 3, 12] },
    { op: 67, weightShape: [4, 3, 3, 8] },
  ], { int8: true });
  const sg = n.model.subgraphs[0]!;
  n.biases.forEach((b, i) => {
    const ws = sg.tensors[n.weights[i]!]!.quantization!.scale!;
    sg.tensors[b] = { ...sg.tensors[b]!, quantization: { scale: ws.map((s) => Math.fround(0.05 * s)), zeroPoint: ws.map(() => 0n), quantizedDimension: 0 } };
  });
  return n;
}

const run = (model: Model, minElements = 1): PassResult => quantizeInt4.run(model, { minElements }, { log() {} }) as PassResult;
const int8Codes = (m: Model, t: number): Int8Array => new Int8Array(m.buffers[m.subgraphs[0]!.tensors[t]!.buffer]!.data.slice().buffer);
const int4Codes = (m: Model, t: number): Int8Array => {
  const tensor = m.subgraphs[0]!.tensors[t]!;
  return unpackInt4(m.buffers[tensor.buffer]!.data, (tensor.shape ?? []).reduce((a, b) => a * b, 1));
};

describe('quantize-int4', () => {
  it('requantizes FC, CONV and DEPTHWISE weights per channel to [-7, 7], packs them, keeps TRANSPOSE_CONV int8', () => {
    const { model, weights } = net();
    const r = run(model);
    const sg = r.model.subgraphs[0]!;
    expect(weights.map((w) => sg.tensors[w]!.type)).toEqual([TensorType.INT4, TensorType.INT4, TensorType.INT4, TensorType.INT8]);
    expect(r.stats).toMatchObject({ int4Tensors: 3, losslessTensors: 0, keptInt8: { 'TRANSPOSE_CONV: int4 filters not verified in LiteRT': 1 } });
    expect(r.stats.weightSqnrDb).toBeGreaterThan(15);
    for (const w of weights.slice(0, 3)) {
      const before = model.subgraphs[0]!.tensors[w]!;
      const after = sg.tensors[w]!;
      expect(r.model.buffers[after.buffer]!.data.byteLength).toBe(Math.ceil(int8Codes(model, w).length / 2));
      const codes = int4Codes(r.model, w);
      expect(Math.max(...codes.map(Math.abs))).toBe(7);
      expect(after.quantization!.scale).toHaveLength(before.quantization!.scale!.length);
      expect(after.quantization!.quantizedDimension).toBe(before.quantization!.quantizedDimension);
    }
    expect(verifyModel(r.model).filter((i) => i.check !== 'shape')).toEqual([]);
    // The input model is not touched.
    expect(weights.map((w) => model.subgraphs[0]!.tensors[w]!.type)).toEqual(Array(4).fill(TensorType.INT8));
  });

  it('rescales int32 biases to the new weight scales, keeping their real values', () => {
    const { model, weights, biases } = net();
    const r = run(model);
    const bias = (m: Model, b: number): { values: Int32Array; scale: number[] } => {
      const t = m.subgraphs[0]!.tensors[b]!;
      return { values: new Int32Array(m.buffers[t.buffer]!.data.slice().buffer), scale: t.quantization!.scale! };
    };
    for (const [i, b] of biases.slice(0, 3).entries()) {
      const old = bias(model, b);
      const now = bias(r.model, b);
      const w = r.model.subgraphs[0]!.tensors[weights[i]!]!.quantization!.scale!;
      now.scale.forEach((s, c) => {
        expect(Math.abs(s / (0.05 * w[c]!) - 1)).toBeLessThan(1e-6); // still input scale × weight scale (float32)
        expect(Math.abs(now.values[c]! * s - old.values[c]! * old.scale[c]!)).toBeLessThanOrEqual(s / 2 + 1e-9);
      });
    }
  });

  it('keeps codes that already fit [-8, 7] exactly (clustered or 4-bit weights)', () => {
    const { model, weights } = net();
    const sg = model.subgraphs[0]!;
    const fc = sg.tensors[weights[0]!]!;
    const small = Int8Array.from(int8Codes(model, weights[0]!), (v) => Math.max(-8, Math.min(7, v >> 4)));
    const buffers = model.buffers.slice();
    buffers[fc.buffer] = { data: new Uint8Array(small.buffer) };
    const r = run({ ...model, buffers });
    expect([...int4Codes(r.model, weights[0]!)]).toEqual([...small]);
    expect(r.model.subgraphs[0]!.tensors[weights[0]!]!.quantization!.scale).toEqual(fc.quantization!.scale);
    expect(r.stats.losslessTensors).toBe(1);
  });

  it('writes the op versions of TFLite int8 × int4 kernels and survives a write/read round trip', () => {
    const r = run(net().model);
    const reread = readModel(writeModel(r.model));
    const versions = reread.subgraphs[0]!.operators.map((op) => {
      const c = reread.operatorCodes[op.opcodeIndex]!;
      return [c.builtinCode, c.version];
    });
    expect(versions).toEqual([[9, 10], [3, 7], [4, 7], [67, 1]]);
    expect(reread.operatorCodes.map((c) => [c.builtinCode, c.version])).toEqual([[67, 1], [9, 10], [3, 7], [4, 7]]); // the replaced versions are gone
    expect(reread.subgraphs[0]!.tensors.filter((t) => t.type === TensorType.INT4)).toHaveLength(3);
  });

  it('keeps the weights named in keepInt8 as int8', () => {
    const { model, weights } = net();
    const r = quantizeInt4.run(model, { minElements: 1, keepInt8: ['w1'] }, { log() {} }) as PassResult;
    expect(weights.map((w) => r.model.subgraphs[0]!.tensors[w]!.type)).toEqual([TensorType.INT4, TensorType.INT8, TensorType.INT4, TensorType.INT8]);
    expect(r.stats.keptInt8).toMatchObject({ 'kept int8 by request': 1 });
  });

  it('leaves small weights and float models alone', () => {
    expect(run(net().model, 100_000).stats).toMatchObject({ int4Tensors: 0, keptInt8: { 'fewer than 100000 weights': 4 } });
    const float = weightNet([{ op: 9, weightShape: [16, 32] }]).model;
    const r = run(float);
    expect(r.model).toBe(float);
    expect(r.warnings).toEqual(['no weight could be stored as int4; model left unchanged']);
  });
});
