/**
 * quantize-dynamic: dynamic-range ("hybrid") quantization. Weights of CONV_2D, DEPTHWISE_CONV_2D,
 * FULLY_CONNECTED, TRANSPOSE_CONV and 2-D BATCH_MATMUL (per output channel; batched BATCH_MATMUL per tensor) become int8, symmetric in
 * [-127, 127] with zero point 0; activations and biases stay float32 and LiteRT's hybrid kernels
 * quantize inputs on the fly. fp16 weights behind DEQUANTIZE are folded to float32 first.
 */
import { dropDeadTensorsAndBuffers, opBuiltinCode, opName, tensorData } from '../ir/graph.js';
import type { Buffer, Model, Operator, Subgraph, Tensor } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { BuiltinOperator, builtinOpName } from '../tflite/builtin-ops.js';
import { foldFp16Weights, hasFp16Weights } from './fold-fp16-weights.js';
import { silentContext, type Pass, type PassContext, type PassResult } from './pass.js';
import { quantizeSymmetricPerChannel } from './quant-math.js';
import { writeModel } from '../tflite/write.js';

export interface QuantizeDynamicOptions {
  /**
   * Weights with fewer elements stay float. Default 0: every weight whose int8 form is smaller in the
   * file than its float32 form is quantized (int8WeightSaves); the converter's old 1024-element floor
   * left small layers float32 and made our files larger than ai-edge-quantizer's.
   */
  minElements?: number;
  /**
   * Default true: keep a weight float32 when int8 would make the file larger (int8WeightSaves, and for
   * the small weights it rules out, the written file itself).
   */
  onlyWhenSmaller?: boolean;
  /** Builtin op names to leave float (e.g. because a hybrid kernel misbehaves on a device). */
  skipOps?: string[];
  /** Subgraph-0 op indices (of the fp16-folded model) whose weights stay float: mixed precision per layer. */
  keepFloat?: readonly number[];
}

interface HybridSlot {
  weight: number;
  activation: number;
  /** Output-channel axis the hybrid kernel expects scales on; undefined: one per-tensor scale. */
  axis?: number;
}

/**
 * The axis a weight's scales run along, or undefined for one per-tensor scale. BATCH_MATMUL's is its
 * output-unit axis: the last (or, with adj_y, the second-to-last) of a 2-D constant RHS, which LiteRT's
 * hybrid kernel takes per channel (batch_matmul.cc EvalHybrid: scale->size == dims[quantized_dimension];
 * GetTempRhs moves quantized_dimension with the transpose). ai-edge-quantizer does the same; per
 * tensor, a mel filterbank's small columns round to 0 (oww_melspectrogram: SQNR −17 dB).
 */
function weightAxis(code: number, slot: HybridSlot, op: Operator, weight: Tensor): number | undefined {
  if (code !== BuiltinOperator.BATCH_MATMUL) return slot.axis;
  if (weight.shape?.length !== 2) return undefined;
  return op.builtinOptions?.fields.adjY === true ? 0 : 1;
}

/** Ops with LiteRT hybrid kernels (float activations × int8 constant weights), checked in LiteRT. */
const HYBRID = new Map<number, HybridSlot>([
  [BuiltinOperator.CONV_2D, { weight: 1, activation: 0, axis: 0 }],
  [BuiltinOperator.DEPTHWISE_CONV_2D, { weight: 1, activation: 0, axis: 3 }],
  [BuiltinOperator.FULLY_CONNECTED, { weight: 1, activation: 0, axis: 0 }],
  [BuiltinOperator.TRANSPOSE_CONV, { weight: 1, activation: 2, axis: 0 }],
  [BuiltinOperator.BATCH_MATMUL, { weight: 1, activation: 0 }],
]);

/**
 * Small weights whose int8 form the size estimate (int8WeightSaves) says would grow the file are
 * tried one by one in the written file, at most this many: the estimate is ±16 B to tens of bytes off
 * on tiny layers (tflm hello_world's 16→1 layer costs 0 B as int8, estimated +44 B).
 */
const MEASURED_SMALL_WEIGHTS_MAX = 16;

interface Quantized {
  model: Model;
  quantizedOps: Record<string, number>;
  keptSmall: Record<string, number>;
  /** `${subgraph}:${op}` of the ops kept float by the size estimate alone (not by minElements). */
  estimatedGrowth: string[];
  /** Subgraph-0 op indices whose weights became int8. */
  int8Ops: number[];
  bytesBefore: number;
  bytesAfter: number;
}

/** One quantization of `model` (already fp16-folded); ops in `measuredInt8` skip the size estimate. */
function quantizeOps(model: Model, options: QuantizeDynamicOptions, measuredInt8: ReadonlySet<string>): Quantized {
  const minElements = options.minElements ?? 0;
  const skip = new Set(options.skipOps ?? []);
  const buffers: Buffer[] = model.buffers.slice();
  const quantizedOps: Record<string, number> = {};
  /** Ops left float because int8 would not make their weights smaller (or they are under minElements). */
  const keptSmall: Record<string, number> = {};
  const estimatedGrowth: string[] = [];
  const int8Ops: number[] = [];
  let bytesBefore = 0;
  let bytesAfter = 0;

  const keepFloat = new Set(options.keepFloat ?? []);
  const subgraphs = model.subgraphs.map((sg, s): Subgraph => {
    const tensors: Tensor[] = sg.tensors.slice();
    // (weight tensor, axis) → int8 tensor, so a weight shared by several ops is stored once.
    const made = new Map<string, number>();
    const operators = sg.operators.map((op, o): Operator => {
      const code = opBuiltinCode(model, op);
      const slot = HYBRID.get(code);
      const name = opName(model, op);
      if (slot === undefined || skip.has(name) || (s === 0 && keepFloat.has(o))) return op;
      const weight = op.inputs[slot.weight] ?? -1;
      const wt = sg.tensors[weight];
      const input = sg.tensors[op.inputs[slot.activation] ?? -1];
      if (wt?.type !== TensorType.FLOAT32 || input?.type !== TensorType.FLOAT32 || !wt.shape || wt.sparsity) return op;
      const values = tensorData(model, wt) as Float32Array;
      if (values.length === 0) return op; // not a constant
      const axis = weightAxis(code, slot, op, wt);
      const grows =
        options.onlyWhenSmaller !== false && !measuredInt8.has(`${s}:${o}`) && !int8WeightSaves(values.length, axis === undefined ? 1 : (wt.shape[axis] ?? 1));
      if (values.length < minElements || grows) {
        keptSmall[name] = (keptSmall[name] ?? 0) + 1;
        if (values.length >= minElements) estimatedGrowth.push(`${s}:${o}`);
        return op;
      }
      const key = `${weight}:${axis ?? 'tensor'}`;
      let q = made.get(key);
      if (q === undefined) {
        const shape = axis === undefined ? [1, values.length] : wt.shape;
        const { values: int8, scales } = quantizeSymmetricPerChannel(values, shape, axis ?? 0);
        buffers.push({ data: new Uint8Array(int8.buffer) });
        tensors.push({
          ...wt,
          type: TensorType.INT8,
          buffer: buffers.length - 1,
          quantization: { scale: scales, zeroPoint: scales.map(() => 0n), quantizedDimension: axis ?? 0 },
        });
        q = tensors.length - 1;
        made.set(key, q);
        bytesBefore += values.byteLength;
        bytesAfter += int8.byteLength;
      }
      quantizedOps[name] = (quantizedOps[name] ?? 0) + 1;
      if (s === 0) int8Ops.push(o);
      const inputs = op.inputs.slice();
      inputs[slot.weight] = q;
      return withHybridOptions(code, { ...op, inputs });
    });
    return { ...sg, tensors, operators };
  });
  const out = Object.keys(quantizedOps).length === 0 ? model : dropDeadTensorsAndBuffers({ ...model, subgraphs, buffers });
  return { model: out, quantizedOps, keptSmall, estimatedGrowth, int8Ops, bytesBefore, bytesAfter };
}

/**
 * The quantization with onlyWhenSmaller decided in the written file: each small weight the estimate
 * keeps float is quantized after all when the .tflite does not grow (in op order, greedily).
 */
function quantizeMeasured(model: Model, options: QuantizeDynamicOptions): Quantized {
  let best = quantizeOps(model, options, new Set());
  if (options.onlyWhenSmaller === false || best.estimatedGrowth.length === 0) return best;
  let bestSize = writeModel(best.model).length;
  let forced = new Set<string>();
  for (const key of best.estimatedGrowth.slice(0, MEASURED_SMALL_WEIGHTS_MAX)) {
    const tryForced = new Set([...forced, key]);
    const trial = quantizeOps(model, options, tryForced);
    const size = writeModel(trial.model).length;
    if (size <= bestSize) {
      best = trial;
      bestSize = size;
      forced = tryForced;
    }
  }
  return best;
}

export const quantizeDynamic: Pass<QuantizeDynamicOptions> = {
  name: 'quantize-dynamic',
  run(input: Model, options: QuantizeDynamicOptions = {}, ctx: PassContext = silentContext): PassResult {
    const warnings: string[] = [];
    let model = input;
    if (hasFp16Weights(model)) {
      const folded = foldFp16Weights.run(model, {}, ctx) as PassResult;
      model = folded.model;
      warnings.push(...folded.warnings);
      ctx.log(`folded ${String(folded.stats.foldedTensors)} fp16 weights to float32 first`);
    }
    const q = quantizeMeasured(model, options);
    if (q.model === model) warnings.push(`no float weights of ${[...HYBRID.keys()].map(builtinOpName).join(' / ')} to quantize`);
    return {
      model: q.model,
      stats: { quantizedOps: q.quantizedOps, keptFloatSmallWeights: q.keptSmall, weightBytesBefore: q.bytesBefore, weightBytesAfter: q.bytesAfter },
      warnings,
    };
  },
};

/**
 * Subgraph-0 op indices (of the fp16-folded model, as keepFloat takes them) whose weights
 * quantize-dynamic makes int8 by default: the layers mixed precision can keep float.
 */
export function dynamicInt8Ops(model: Model): Set<number> {
  const folded = hasFp16Weights(model) ? (foldFp16Weights.run(model, {}, silentContext) as PassResult).model : model;
  return new Set(quantizeMeasured(folded, {}).int8Ops);
}

/**
 * File bytes an int8 weight costs beyond its values and per-channel entries: the new tensor's
 * quantization table and vectors, and its buffer's alignment padding, measured with our writer (±16 B).
 */
const INT8_WEIGHT_OVERHEAD_BYTES = 80;

/**
 * True when a float32 weight of `elements` values stored as int8 with `channels` scales makes the
 * .tflite smaller: one byte per value plus a float32 scale and an int64 zero point per channel and
 * the fixed overhead, against four bytes per value. A 3×3 depthwise kernel pays off from 6 channels.
 */
export function int8WeightSaves(elements: number, channels: number): boolean {
  return elements + channels * 12 + INT8_WEIGHT_OVERHEAD_BYTES < elements * 4;
}

/**
 * Hybrid ops quantize their float input at run time; asking for asymmetric input quantization
 * (a per-row zero point) keeps negative-heavy activations accurate, as the converter does.
 */
function withHybridOptions(code: number, op: Operator): Operator {
  const fields = op.builtinOptions?.fields;
  if (code !== BuiltinOperator.FULLY_CONNECTED || !fields) return op;
  // The reader fills schema defaults, so the field is present under the reader's naming.
  const key = ['asymmetricQuantizeInputs', 'asymmetric_quantize_inputs'].find((k) => k in fields);
  if (key === undefined) return op;
  return { ...op, builtinOptions: { ...op.builtinOptions!, fields: { ...fields, [key]: true } } };
}
