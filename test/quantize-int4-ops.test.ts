/**
 * quantize-int4 against LiteRT, one tiny model per kernel and activation mode: the int4 model must
 * compute what the same model computes with the same 4-bit values stored as int8 (LiteRT's int4
 * kernels unpack the nibbles, then run the int8 arithmetic), and stay close to the float model.
 * Where the kernel does not take int4 (hybrid DEPTHWISE_CONV_2D), the pass keeps int8, and the
 * last test shows why: LiteRT.js 2.5.3 accepts such a model and computes garbage.
 */
import { describe, expect, it } from 'vitest';
import type { TypedArray } from '../compiler/src/eval/litert.js';
import { unpackInt4 } from '../compiler/src/ir/int4.js';
import type { Model } from '../compiler/src/ir/model.js';
import { verifyModel } from '../compiler/src/ir/verify.js';
import { TensorType } from '../compiler/src/ir/tensor-type.js';
import type { PassResult } from '../compiler/src/passes/pass.js';
import { quantizeDynamic } from '../compiler/src/passes/quantize-dynamic.js';
import { int4Layout, quantizeInt4 } from '../compiler/src/passes/quantize-int4.js';
import { quantizeInt8 } from '../compiler/src/passes/quantize-int8.js';
import { BuiltinOperator as Op } from '../compiler/src/tflite/builtin-ops.js';
import { fidelity, lcg, opts, out, runModel, TinyModel } from './quantize-helpers.js';

interface Case {
  op: string;
  inputShape: number[];
  build(m: TinyModel, x: number): number;
}

const CASES: Case[] = [
  { op: 'FULLY_CONNECTED', inputShape: [1, 64], build: (m, x) => out(m, [1, 10], (y) => m.op(Op.FULLY_CONNECTED, [x, m.weights([10, 64], 5), m.weights([10], 6)], [y], opts('FullyConnectedOptions'))) },
  { op: 'CONV_2D', inputShape: [1, 8, 8, 8], build: (m, x) => out(m, [1, 8, 8, 6], (y) => m.op(Op.CONV_2D, [x, m.weights([6, 3, 3, 8], 1), m.weights([6], 2)], [y], opts('Conv2DOptions', { padding: 0, strideW: 1, strideH: 1 }))) },
  {
    op: 'DEPTHWISE_CONV_2D',
    inputShape: [1, 8, 8, 16],
    build: (m, x) => out(m, [1, 8, 8, 32], (y) => m.op(Op.DEPTHWISE_CONV_2D, [x, m.weights([1, 3, 3, 32], 3), m.weights([32], 4)], [y], opts('DepthwiseConv2DOptions', { padding: 0, strideW: 1, strideH: 1, depthMultiplier: 2 }))),
  },
];

function setup(c: Case): { float: Model; samples: TypedArray[][] } {
  const m = new TinyModel();
  const x = m.tensor(c.inputShape);
  const float = m.model([x], [c.build(m, x)]);
  const n = c.inputShape.reduce((a, b) => a * b, 1);
  const samples = [0, 1, 2, 3].map((s) => {
    const r = lcg(700 + s);
    return [Float32Array.from({ length: n }, () => r() * 4 - 2)];
  });
  return { float, samples };
}

/** The same model with every INT4 tensor stored as INT8 (same values, same scales). */
function asInt8(model: Model): Model {
  const buffers = model.buffers.slice();
  const subgraphs = model.subgraphs.map((sg) => ({
    ...sg,
    tensors: sg.tensors.map((t) => {
      if (t.type !== TensorType.INT4) return t;
      const n = (t.shape ?? []).reduce((a, b) => a * b, 1);
      buffers[t.buffer] = { data: new Uint8Array(unpackInt4(model.buffers[t.buffer]!.data, n).buffer) };
      return { ...t, type: TensorType.INT8 };
    }),
  }));
  return { ...model, subgraphs, buffers };
}

const quantized = async (float: Model, samples: TypedArray[][], mode: 'dynamic' | 'int8'): Promise<Model> =>
  mode === 'dynamic' ? (quantizeDynamic.run(float, { minElements: 1 }, { log() {} }) as PassResult).model : (await quantizeInt8.run(float, { samples }, { log() {} })).model;

/** The output scale of the op with the int4 filter (one int8 step of its output). */
function int4OpOutputScale(model: Model): number {
  const sg = model.subgraphs[0]!;
  const op = sg.operators.find((o) => sg.tensors[o.inputs[1] ?? -1]?.type === TensorType.INT4)!;
  return sg.tensors[op.outputs[0]!]!.quantization!.scale![0]!;
}

/** Largest absolute difference over all samples and outputs. */
function maxAbsDiff(a: TypedArray[][], b: TypedArray[][]): number {
  let d = 0;
  a.forEach((o, s) => o.forEach((t, k) => t.forEach((v, i) => (d = Math.max(d, Math.abs(Number(v) - Number(b[s]![k]![i])))))));
  return d;
}

describe.each(CASES)('int4 $op in LiteRT', (c) => {
  for (const mode of ['int8', 'dynamic'] as const) {
    const takesInt4 = !(mode === 'dynamic' && c.op === 'DEPTHWISE_CONV_2D');
    it(`${mode}: ${takesInt4 ? 'int4 weights compute what the same values as int8 compute' : 'stays int8'}`, async () => {
      const { float, samples } = setup(c);
      const q8 = await quantized(float, samples, mode);
      const r = quantizeInt4.run(q8, { minElements: 1 }, { log() {} }) as PassResult;
      expect(verifyModel(r.model).filter((i) => i.check !== 'shape')).toEqual([]);
      const int4 = r.model.subgraphs[0]!.tensors.filter((t) => t.type === TensorType.INT4);
      if (!takesInt4) {
        expect(int4).toHaveLength(0);
        expect(r.stats.keptInt8).toEqual({ 'no hybrid (float activation) DEPTHWISE_CONV_2D kernel takes int4 filters': 1 });
        return;
      }
      expect(int4).toHaveLength(1);
      const n = (int4[0]!.shape ?? []).reduce((a, b) => a * b, 1);
      expect(r.model.buffers[int4[0]!.buffer]!.data.byteLength).toBe(Math.ceil(n / 2));
      const got = await runModel(r.model, samples);
      const same = await runModel(asInt8(r.model), samples);
      const ref = await runModel(float, samples);
      const diff = maxAbsDiff(same, got);
      const f4 = fidelity(ref, got, 0);
      const f8 = fidelity(ref, await runModel(q8, samples), 0);
      console.log(`${c.op} ${mode}: int4 vs same values as int8 max|diff| ${diff}; SQNR vs float: int8 ${f8.sqnrDb.toFixed(1)} dB, int4 ${f4.sqnrDb.toFixed(1)} dB`);
      // Bit-identical where int8 and int4 take the same kernel path; where XNNPACK takes the int8 op and
      // the builtin kernel the int4 one, the results differ by float rounding (hybrid) or one output step (int8).
      const outScale = mode === 'int8' ? int4OpOutputScale(r.model) : 0;
      expect(diff).toBeLessThanOrEqual(mode === 'int8' ? outScale * 1.0001 : 1e-5);
      expect(f4.sqnrDb).toBeGreaterThan(15); // 4-bit weights: coarse but the same function
      expect(Math.abs(f4.sqnrDb - fidelity(ref, same, 0).sqnrDb)).toBeLessThan(0.5);
    });
  }
});

describe('hybrid DEPTHWISE_CONV_2D with an int4 filter', () => {
  it('is refused by LiteRT.js 2.5.3 as by Python LiteRT ("filter type INT4 not currently supported"): the reason the pass keeps int8', async () => {
    // LiteRT.js logs the refusal and used to hand back an uninitialised output (measured at −158 dB);
    // eval/litert.ts now turns a run that logged an error into a failure.
    const c = CASES[2]!;
    const { float, samples } = setup(c);
    const q8 = await quantized(float, samples, 'dynamic');
    const w = q8.subgraphs[0]!.tensors.findIndex((t) => t.type === TensorType.INT8);
    // Codes in [-8, 7] with the same scales: the int8 and int4 models hold the same weights.
    const clipped: Model = { ...q8, buffers: q8.buffers.map((b, i) => (i === q8.subgraphs[0]!.tensors[w]!.buffer ? { data: Uint8Array.from(b.data, (v) => (((v << 24) >> 24) >> 4) & 0xff) } : b)) };
    expect((await runModel(clipped, samples)).length).toBeGreaterThan(0);
    await expect(runModel(int4Layout(clipped, w), samples)).rejects.toThrow(/filter type INT4 not currently supported/);
  });
});
