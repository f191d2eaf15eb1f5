/**
 * quantize-dynamic's hybrid ops, each alone in a tiny model run by LiteRT: the weights become int8
 * and LiteRT's hybrid kernel (float activations × int8 weights) computes close to the float op. The
 * per-channel ops get probe weights that only per-channel scales can represent.
 */
import { describe, expect, it } from 'vitest';
import type { TypedArray } from '../compiler/src/eval/litert.js';
import { TensorType } from '../compiler/src/ir/tensor-type.js';
import type { PassResult } from '../compiler/src/passes/pass.js';
import { quantizeDynamic } from '../compiler/src/passes/quantize-dynamic.js';
import { quantizationProblems } from '../compiler/src/passes/quantize-int8-verify.js';
import { BuiltinOperator as Op } from '../compiler/src/tflite/builtin-ops.js';
import { describeFidelity, fidelity, i32, lcg, opts, out, runModel, TinyModel } from './quantize-helpers.js';

interface HybridCase {
  name: string;
  label?: string;
  inputShape: number[];
  build(m: TinyModel, x: number): number;
}

const CASES: HybridCase[] = [
  {
    name: 'CONV_2D',
    inputShape: [1, 8, 8, 4],
    build: (m, x) => out(m, [1, 8, 8, 6], (y) => m.op(Op.CONV_2D, [x, m.perChannelProbe([6, 3, 3, 4], 0, 1), m.weights([6], 2)], [y], opts('Conv2DOptions', { padding: 0, strideW: 1, strideH: 1 }))),
  },
  {
    name: 'DEPTHWISE_CONV_2D',
    inputShape: [1, 8, 8, 4],
    build: (m, x) =>
      out(m, [1, 8, 8, 8], (y) =>
        m.op(Op.DEPTHWISE_CONV_2D, [x, m.perChannelProbe([1, 3, 3, 8], 3, 3), m.weights([8], 4)], [y], opts('DepthwiseConv2DOptions', { padding: 0, strideW: 1, strideH: 1, depthMultiplier: 2 })),
      ),
  },
  {
    name: 'FULLY_CONNECTED',
    inputShape: [1, 32],
    build: (m, x) => out(m, [1, 10], (y) => m.op(Op.FULLY_CONNECTED, [x, m.perChannelProbe([10, 32], 0, 5), m.weights([10], 6)], [y], opts('FullyConnectedOptions'))),
  },
  {
    name: 'TRANSPOSE_CONV',
    inputShape: [1, 8, 8, 4],
    build: (m, x) =>
      out(m, [1, 16, 16, 3], (y) =>
        m.op(Op.TRANSPOSE_CONV, [m.tensor([4], i32(1, 16, 16, 3)), m.perChannelProbe([3, 2, 2, 4], 0, 7), x, m.weights([3], 8)], [y], opts('TransposeConvOptions', { padding: 0, strideW: 2, strideH: 2 })),
      ),
  },
  {
    name: 'BATCH_MATMUL',
    inputShape: [1, 4, 32],
    build: (m, x) => out(m, [1, 4, 10], (y) => m.op(Op.BATCH_MATMUL, [x, m.perChannelProbe([32, 10], 1, 9)], [y], opts('BatchMatMulOptions'))),
  },
  {
    name: 'BATCH_MATMUL',
    label: 'BATCH_MATMUL adj_y',
    inputShape: [1, 4, 32],
    build: (m, x) => out(m, [1, 4, 10], (y) => m.op(Op.BATCH_MATMUL, [x, m.perChannelProbe([10, 32], 0, 10)], [y], opts('BatchMatMulOptions', { adjY: true }))),
  },
  {
    name: 'BATCH_MATMUL',
    label: 'BATCH_MATMUL batched weights (per tensor)',
    inputShape: [2, 4, 32],
    build: (m, x) => out(m, [2, 4, 10], (y) => m.op(Op.BATCH_MATMUL, [x, m.weights([2, 32, 10], 11)], [y], opts('BatchMatMulOptions'))),
  },
];

describe.each(CASES.map((c) => ({ ...c, label: c.label ?? c.name })))('hybrid $label in LiteRT', (c) => {
  it('int8 weights, float activations, close to the float op', async () => {
    const m = new TinyModel();
    const x = m.tensor(c.inputShape);
    const model = m.model([x], [c.build(m, x)]);
    const n = c.inputShape.reduce((a, b) => a * b, 1);
    const samples: TypedArray[][] = [0, 1, 2].map((s) => {
      const r = lcg(300 + s);
      const x = Float32Array.from({ length: n }, () => r() * 6 - 3);
      // Input channel 0 is always 0, so the per-channel probe weights (perChannelProbe) do not contribute.
      if (c.label === undefined || !c.label.includes('per tensor')) for (let i = 0; i < n; i += c.inputShape[c.inputShape.length - 1]!) x[i] = 0;
      return [x];
    });
    const { model: q, stats } = quantizeDynamic.run(model, { minElements: 1 }, { log() {} }) as PassResult;
    expect(stats.quantizedOps).toEqual({ [c.name]: 1 });
    const sg = q.subgraphs[0]!;
    expect(quantizationProblems(q)).toEqual([]);
    expect(sg.tensors.filter((t) => t.type === TensorType.INT8)).toHaveLength(1);
    const f = fidelity(await runModel(model, samples), await runModel(q, samples), 0);
    console.log(`hybrid ${c.label}: ${describeFidelity(f)}`);
    expect(f.cosine).toBeGreaterThan(0.999);
  });
});
