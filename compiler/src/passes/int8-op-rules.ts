/**
 * Per-op constraints of the TFLite int8 quantization spec, for the ops quantize-int8 supports.
 * An op not listed here stays float (behind DEQUANTIZE/QUANTIZE) with a warning naming it.
 *
 * Output rules:
 * - `range`: the output's own calibrated range decides scale / zero point;
 * - `fixed`: the kernel only accepts these params (SOFTMAX, LOGISTIC, TANH, ...);
 * - `same`: the kernel moves int8 values without rescaling, so the output must carry the params of
 *   the (first activation) input: pooling, reshaping, padding, slicing, resizing;
 * Ops with `inputsShareOutput` (CONCATENATION, PACK, MAXIMUM, MINIMUM) check or assume that every
 * input already has the output's params; inputs that differ get an int8→int8 requantize.
 */
import { BuiltinOperator as Op } from '../tflite/builtin-ops.js';

export type OutputRule = { kind: 'range' } | { kind: 'fixed'; scale: number; zeroPoint: number } | { kind: 'same' };

export interface Int8OpRule {
  output: OutputRule;
  inputsShareOutput?: boolean;
  /** Constant weight input: per-channel along `axis`, or per-tensor when axis is undefined. */
  weight?: { input: number; axis?: number };
  /** int32 bias input; scale = activation input scale × weight scale. */
  bias?: number;
  /** The activation input whose scale the bias uses (default 0). */
  activationInput?: number;
}

const RANGE: OutputRule = { kind: 'range' };
const SAME: OutputRule = { kind: 'same' };
const fixed = (scale: number, zeroPoint: number): OutputRule => ({ kind: 'fixed', scale: Math.fround(scale), zeroPoint });

export const INT8_OP_RULES: ReadonlyMap<number, Int8OpRule> = new Map<number, Int8OpRule>([
  [Op.CONV_2D, { output: RANGE, weight: { input: 1, axis: 0 }, bias: 2 }],
  [Op.DEPTHWISE_CONV_2D, { output: RANGE, weight: { input: 1, axis: 3 }, bias: 2 }],
  // The spec says per-tensor, but LiteRT's int8 FULLY_CONNECTED honours per-channel scales (checked in
  // test/quantize-op-rules.test.ts), and rows of very different magnitude need them.
  [Op.FULLY_CONNECTED, { output: RANGE, weight: { input: 1, axis: 0 }, bias: 2 }],
  [Op.TRANSPOSE_CONV, { output: RANGE, weight: { input: 1, axis: 0 }, bias: 3, activationInput: 2 }],
  [Op.ADD, { output: RANGE }],
  [Op.SUB, { output: RANGE }],
  [Op.MUL, { output: RANGE }],
  [Op.MEAN, { output: RANGE }],
  [Op.SUM, { output: RANGE }],
  [Op.REDUCE_MAX, { output: SAME }],
  [Op.REDUCE_MIN, { output: SAME }],
  [Op.MIRROR_PAD, { output: SAME }],
  [Op.RELU, { output: RANGE }],
  [Op.RELU6, { output: RANGE }],
  [Op.RELU_N1_TO_1, { output: RANGE }],
  [Op.LEAKY_RELU, { output: RANGE }],
  [Op.HARD_SWISH, { output: RANGE }],
  [Op.PRELU, { output: RANGE }],
  [Op.SOFTMAX, { output: fixed(1 / 256, -128) }],
  [Op.LOGISTIC, { output: fixed(1 / 256, -128) }],
  [Op.TANH, { output: fixed(1 / 128, 0) }],
  [Op.L2_NORMALIZATION, { output: fixed(1 / 128, 0) }],
  [Op.LOG_SOFTMAX, { output: fixed(16 / 256, 127) }],
  [Op.AVERAGE_POOL_2D, { output: SAME }],
  [Op.MAX_POOL_2D, { output: SAME }],
  [Op.RESHAPE, { output: SAME }],
  [Op.SQUEEZE, { output: SAME }],
  [Op.EXPAND_DIMS, { output: SAME }],
  [Op.TRANSPOSE, { output: SAME }],
  [Op.PAD, { output: SAME }],
  [Op.STRIDED_SLICE, { output: SAME }],
  [Op.SLICE, { output: SAME }],
  [Op.GATHER, { output: SAME }],
  [Op.SPLIT, { output: SAME }],
  [Op.SPACE_TO_DEPTH, { output: SAME }],
  [Op.DEPTH_TO_SPACE, { output: SAME }],
  [Op.BATCH_TO_SPACE_ND, { output: SAME }],
  [Op.SPACE_TO_BATCH_ND, { output: SAME }],
  [Op.RESIZE_BILINEAR, { output: SAME }],
  [Op.RESIZE_NEAREST_NEIGHBOR, { output: SAME }],
  [Op.CONCATENATION, { output: RANGE, inputsShareOutput: true }],
  [Op.PACK, { output: RANGE, inputsShareOutput: true }],
  [Op.MAXIMUM, { output: RANGE, inputsShareOutput: true }],
  [Op.MINIMUM, { output: RANGE, inputsShareOutput: true }],
]);
