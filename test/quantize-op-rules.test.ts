/**
 * Every op in quantize-int8's supported set, alone in a tiny model, quantized and run by LiteRT:
 * the op must really run as int8 (not fall back to float) and match the float model closely.
 * This checks each per-op rule (fixed output params, shared params, per-channel axes) against the
 * real kernels, beyond the ops the MediaPipe fixtures happen to use.
 */
import { describe, expect, it } from 'vitest';
import type { TypedArray } from '../compiler/src/eval/litert.js';
import { quantizeInt8 } from '../compiler/src/passes/quantize-int8.js';
import { quantizationProblems } from '../compiler/src/passes/quantize-int8-verify.js';
import { BuiltinOperator as Op } from '../compiler/src/tflite/builtin-ops.js';
import { describeFidelity, fidelity, i32, lcg, opts, out, runModel, TinyModel } from './quantize-helpers.js';

const X = [1, 8, 8, 4];

interface OpCase {
  name: string;
  build(m: TinyModel, x: number): number[];
  inputShape?: number[];
  minCosine?: number;
  /** Samples get input channel 0 (last axis) = 0: the weights are per-channel probes. */
  zeroFirstInput?: boolean;
}

const CASES: OpCase[] = [
  { name: 'SUB', build: (m, x) => [out(m, X, (y) => m.op(Op.SUB, [x, m.weights([4], 1)], [y], opts('SubOptions')))] },
  { name: 'MUL', build: (m, x) => [out(m, X, (y) => m.op(Op.MUL, [x, m.weights([4], 2)], [y], opts('MulOptions')))] },
  { name: 'RELU6', build: (m, x) => [out(m, X, (y) => m.op(Op.RELU6, [x], [y]))] },
  { name: 'RELU_N1_TO_1', build: (m, x) => [out(m, X, (y) => m.op(Op.RELU_N1_TO_1, [x], [y]))] },
  { name: 'LEAKY_RELU', build: (m, x) => [out(m, X, (y) => m.op(Op.LEAKY_RELU, [x], [y], opts('LeakyReluOptions', { alpha: 0.2 })))] },
  { name: 'PRELU', build: (m, x) => [out(m, X, (y) => m.op(Op.PRELU, [x, m.weights([1, 1, 4], 3)], [y]))] },
  { name: 'TANH', build: (m, x) => [out(m, X, (y) => m.op(Op.TANH, [x], [y]))] },
  { name: 'LOGISTIC', build: (m, x) => [out(m, X, (y) => m.op(Op.LOGISTIC, [x], [y]))] },
  { name: 'SOFTMAX', build: (m, x) => [out(m, X, (y) => m.op(Op.SOFTMAX, [x], [y], opts('SoftmaxOptions', { beta: 1 })))] },
  { name: 'L2_NORMALIZATION', build: (m, x) => [out(m, X, (y) => m.op(Op.L2_NORMALIZATION, [x], [y], opts('L2NormOptions')))] },
  { name: 'HARD_SWISH', build: (m, x) => [out(m, X, (y) => m.op(Op.HARD_SWISH, [x], [y]))] },
  {
    name: 'AVERAGE_POOL_2D',
    build: (m, x) => [
      out(m, [1, 4, 4, 4], (y) =>
        m.op(Op.AVERAGE_POOL_2D, [x], [y], opts('Pool2DOptions', { padding: 1, strideW: 2, strideH: 2, filterWidth: 2, filterHeight: 2 })),
      ),
    ],
  },
  {
    name: 'MAX_POOL_2D',
    build: (m, x) => [
      out(m, [1, 4, 4, 4], (y) =>
        m.op(Op.MAX_POOL_2D, [x], [y], opts('Pool2DOptions', { padding: 1, strideW: 2, strideH: 2, filterWidth: 2, filterHeight: 2 })),
      ),
    ],
  },
  { name: 'LOG_SOFTMAX', build: (m, x) => [out(m, X, (y) => m.op(Op.LOG_SOFTMAX, [x], [y], opts('LogSoftmaxOptions')))] },
  { name: 'SUM', build: (m, x) => [out(m, [1, 4], (y) => m.op(Op.SUM, [x, m.tensor([2], i32(1, 2))], [y], opts('ReducerOptions', { keepDims: false })))] },
  { name: 'REDUCE_MAX', build: (m, x) => [out(m, [1, 8, 8], (y) => m.op(Op.REDUCE_MAX, [x, m.tensor([1], i32(3))], [y], opts('ReducerOptions', { keepDims: false })))] },
  { name: 'REDUCE_MIN', build: (m, x) => [out(m, [1, 8, 8], (y) => m.op(Op.REDUCE_MIN, [x, m.tensor([1], i32(3))], [y], opts('ReducerOptions', { keepDims: false })))] },
  { name: 'MIRROR_PAD', build: (m, x) => [out(m, [1, 10, 10, 4], (y) => m.op(Op.MIRROR_PAD, [x, m.tensor([4, 2], i32(0, 0, 1, 1, 1, 1, 0, 0))], [y], opts('MirrorPadOptions', { mode: 0 })))] },
  { name: 'MEAN', build: (m, x) => [out(m, [1, 4], (y) => m.op(Op.MEAN, [x, m.tensor([2], i32(1, 2))], [y], opts('ReducerOptions', { keepDims: false })))] },
  { name: 'RESHAPE', build: (m, x) => [out(m, [1, 256], (y) => m.op(Op.RESHAPE, [x, m.tensor([2], i32(1, 256))], [y], opts('ReshapeOptions', { newShape: [1, 256] })))] },
  { name: 'SQUEEZE', inputShape: [1, 1, 1, 16], build: (m, x) => [out(m, [1, 16], (y) => m.op(Op.SQUEEZE, [x], [y], opts('SqueezeOptions', { squeezeDims: [1, 2] })))] },
  { name: 'EXPAND_DIMS', build: (m, x) => [out(m, [1, 8, 8, 1, 4], (y) => m.op(Op.EXPAND_DIMS, [x, m.tensor([1], i32(3))], [y], opts('ExpandDimsOptions')))] },
  { name: 'TRANSPOSE', build: (m, x) => [out(m, [1, 4, 8, 8], (y) => m.op(Op.TRANSPOSE, [x, m.tensor([4], i32(0, 3, 1, 2))], [y], opts('TransposeOptions')))] },
  { name: 'PAD', build: (m, x) => [out(m, [1, 10, 10, 4], (y) => m.op(Op.PAD, [x, m.tensor([4, 2], i32(0, 0, 1, 1, 1, 1, 0, 0))], [y], opts('PadOptions')))] },
  {
    name: 'STRIDED_SLICE',
    build: (m, x) => [
      out(m, [1, 4, 4, 4], (y) =>
        m.op(Op.STRIDED_SLICE, [x, m.tensor([4], i32(0, 0, 0, 0)), m.tensor([4], i32(1, 8, 8, 4)), m.tensor([4], i32(1, 2, 2, 1))], [y], opts('StridedSliceOptions')),
      ),
    ],
  },
  { name: 'SLICE', build: (m, x) => [out(m, [1, 4, 4, 4], (y) => m.op(Op.SLICE, [x, m.tensor([4], i32(0, 1, 1, 0)), m.tensor([4], i32(1, 4, 4, 4))], [y], opts('SliceOptions')))] },
  { name: 'GATHER', build: (m, x) => [out(m, [1, 8, 8, 2], (y) => m.op(Op.GATHER, [x, m.tensor([2], i32(2, 0))], [y], opts('GatherOptions', { axis: 3 })))] },
  {
    name: 'SPLIT',
    build: (m, x) => {
      const a = m.tensor([1, 8, 8, 2]);
      const b = m.tensor([1, 8, 8, 2]);
      m.op(Op.SPLIT, [m.tensor([], i32(3)), x], [a, b], opts('SplitOptions', { numSplits: 2 }));
      return [a, b];
    },
  },
  { name: 'SPACE_TO_DEPTH', build: (m, x) => [out(m, [1, 4, 4, 16], (y) => m.op(Op.SPACE_TO_DEPTH, [x], [y], opts('SpaceToDepthOptions', { blockSize: 2 })))] },
  { name: 'DEPTH_TO_SPACE', build: (m, x) => [out(m, [1, 16, 16, 1], (y) => m.op(Op.DEPTH_TO_SPACE, [x], [y], opts('DepthToSpaceOptions', { blockSize: 2 })))] },
  {
    name: 'SPACE_TO_BATCH_ND',
    build: (m, x) => [out(m, [4, 4, 4, 4], (y) => m.op(Op.SPACE_TO_BATCH_ND, [x, m.tensor([2], i32(2, 2)), m.tensor([2, 2], i32(0, 0, 0, 0))], [y], opts('SpaceToBatchNDOptions')))],
  },
  {
    name: 'BATCH_TO_SPACE_ND',
    inputShape: [4, 4, 4, 4],
    build: (m, x) => [out(m, [1, 8, 8, 4], (y) => m.op(Op.BATCH_TO_SPACE_ND, [x, m.tensor([2], i32(2, 2)), m.tensor([2, 2], i32(0, 0, 0, 0))], [y], opts('BatchToSpaceNDOptions')))],
  },
  {
    name: 'RESIZE_BILINEAR',
    build: (m, x) => [out(m, [1, 16, 16, 4], (y) => m.op(Op.RESIZE_BILINEAR, [x, m.tensor([2], i32(16, 16))], [y], opts('ResizeBilinearOptions', { halfPixelCenters: true })))],
  },
  {
    name: 'RESIZE_NEAREST_NEIGHBOR',
    build: (m, x) => [out(m, [1, 16, 16, 4], (y) => m.op(Op.RESIZE_NEAREST_NEIGHBOR, [x, m.tensor([2], i32(16, 16))], [y], opts('ResizeNearestNeighborOptions')))],
  },
  {
    name: 'CONCATENATION',
    build: (m, x) => {
      const r = out(m, X, (y) => m.op(Op.RELU, [x], [y]));
      return [out(m, [1, 8, 8, 8], (y) => m.op(Op.CONCATENATION, [x, r], [y], opts('ConcatenationOptions', { axis: 3 })))];
    },
  },
  {
    name: 'PACK',
    build: (m, x) => {
      const r = out(m, X, (y) => m.op(Op.TANH, [x], [y]));
      return [out(m, [2, 1, 8, 8, 4], (y) => m.op(Op.PACK, [x, r], [y], opts('PackOptions', { valuesCount: 2, axis: 0 })))];
    },
  },
  { name: 'MAXIMUM', build: (m, x) => [out(m, X, (y) => m.op(Op.MAXIMUM, [x, m.weights([4], 4)], [y], opts('MaximumMinimumOptions')))] },
  { name: 'MINIMUM', build: (m, x) => [out(m, X, (y) => m.op(Op.MINIMUM, [x, m.weights([4], 5)], [y], opts('MaximumMinimumOptions')))] },
  {
    name: 'CONV_2D',
    zeroFirstInput: true,
    build: (m, x) => [
      out(m, [1, 8, 8, 6], (y) =>
        m.op(Op.CONV_2D, [x, m.perChannelProbe([6, 3, 3, 4], 0, 6), m.weights([6], 7)], [y], opts('Conv2DOptions', { padding: 0, strideW: 1, strideH: 1 })),
      ),
    ],
  },
  {
    name: 'DEPTHWISE_CONV_2D',
    zeroFirstInput: true,
    build: (m, x) => [
      out(m, [1, 8, 8, 8], (y) =>
        m.op(Op.DEPTHWISE_CONV_2D, [x, m.perChannelProbe([1, 3, 3, 8], 3, 8), m.weights([8], 9)], [y], opts('DepthwiseConv2DOptions', { padding: 0, strideW: 1, strideH: 1, depthMultiplier: 2 })),
      ),
    ],
  },
  {
    name: 'FULLY_CONNECTED',
    inputShape: [1, 32],
    build: (m, x) => [out(m, [1, 10], (y) => m.op(Op.FULLY_CONNECTED, [x, m.perChannelProbe([10, 32], 0, 10), m.weights([10], 11)], [y], opts('FullyConnectedOptions')))],
    zeroFirstInput: true,
  },
  {
    name: 'TRANSPOSE_CONV',
    zeroFirstInput: true,
    build: (m, x) => [
      out(m, [1, 16, 16, 3], (y) =>
        m.op(
          Op.TRANSPOSE_CONV,
          [m.tensor([4], i32(1, 16, 16, 3)), m.perChannelProbe([3, 2, 2, 4], 0, 12), x, m.weights([3], 13)],
          [y],
          opts('TransposeConvOptions', { padding: 0, strideW: 2, strideH: 2 }),
        ),
      ),
    ],
  },
];


describe.each(CASES)('int8 $name in LiteRT', (c) => {
  it('runs as int8 and matches the float op', async () => {
    const m = new TinyModel();
    const shape = c.inputShape ?? X;
    const x = m.tensor(shape);
    const outputs = c.build(m, x);
    const model = m.model([x], outputs);
    const n = shape.reduce((a, b) => a * b, 1);
    const sample = (seed: number): TypedArray[] => {
      const r = lcg(seed);
      const x = Float32Array.from({ length: n }, () => r() * 6 - 3);
      if (c.zeroFirstInput) for (let i = 0; i < n; i += shape[shape.length - 1]!) x[i] = 0;
      return [x];
    };
    const calib = Array.from({ length: 8 }, (_, i) => sample(100 + i));
    const evalSet = Array.from({ length: 3 }, (_, i) => sample(200 + i));
    const { model: q, stats, warnings } = await quantizeInt8.run(model, { samples: calib }, { log() {} });
    expect(warnings).toEqual([]);
    expect(quantizationProblems(q)).toEqual([]);
    expect(Object.keys(stats.quantizedOps as Record<string, number>)).toContain(c.name);
    const ref = await runModel(model, evalSet);
    const got = await runModel(q, evalSet);
    outputs.forEach((_, k) => {
      const f = fidelity(ref, got, k);
      console.log(`${c.name} output ${k}: ${describeFidelity(f)}`);
      expect(f.cosine).toBeGreaterThan(c.minCosine ?? 0.999); // measured >= 0.9999 (SQNR 36-51 dB)
    });
  });
});
