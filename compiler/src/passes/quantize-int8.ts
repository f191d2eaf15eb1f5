/**
 * quantize-int8: full-integer post-training quantization per the TFLite int8 spec.
 *
 * Every float32 activation tensor of subgraph 0 gets (on demand) an int8 twin; ops in the
 * supported set (int8-op-rules.ts) are rewired to the twins, with per-channel symmetric weights,
 * int32 biases (scale = input scale × weight scale) and per-tensor asymmetric activations from the
 * calibrated ranges. A tensor "lives" in the domain of the op that produces it; where a consumer
 * needs the other domain a QUANTIZE or DEQUANTIZE is inserted right before that consumer. So
 * unsupported ops stay float between DEQUANTIZE/QUANTIZE, float model inputs get a QUANTIZE and
 * float outputs a DEQUANTIZE (or, with io 'int8', the int8 twins become the model's I/O).
 * Tensors that are already quantized are left alone: an int8 model passes through unchanged.
 */
import { calibrate, type CalibrateOptions, type TensorRanges } from '../eval/calibrate.js';
import type { TypedArray } from '../eval/litert.js';
import { dropDeadTensorsAndBuffers, opBuiltinCode, opName, tensorData } from '../ir/graph.js';
import type { Buffer, Model, Operator, OperatorCode, Subgraph, Tensor } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { BuiltinOperator } from '../tflite/builtin-ops.js';
import { foldFp16Weights, hasFp16Weights } from './fold-fp16-weights.js';
import { INT8_OP_RULES, type Int8OpRule } from './int8-op-rules.js';
import { silentContext, type Pass, type PassContext, type PassResult } from './pass.js';
import {
  activationParams,
  biasScales,
  quantizeAffine,
  quantizeBias,
  quantizeSymmetricPerChannel,
  type AffineParams,
} from './quant-math.js';

export interface QuantizeInt8Options {
  /** Activation ranges of subgraph 0, keyed by tensor index of the fp16-folded model (see {@link prepareForInt8}). */
  ranges?: TensorRanges;
  /** Representative inputs (per sample, one array per model input); used to calibrate when `ranges` is absent. */
  samples?: TypedArray[][];
  calibration?: CalibrateOptions;
  /** 'float' (default): keep float I/O behind QUANTIZE/DEQUANTIZE; 'int8': int8 model inputs/outputs. */
  io?: 'float' | 'int8';
  /** Op names to keep float (e.g. an op that loses too much accuracy in int8). */
  skipOps?: string[];
  /** Subgraph-0 op indices (of the fp16-folded model) to keep float: mixed precision per layer. */
  keepFloat?: readonly number[];
}

/** The model quantize-int8 works on (fp16 weights folded); calibrate this one when passing `ranges`. */
export function prepareForInt8(model: Model): Model {
  return hasFp16Weights(model) ? (foldFp16Weights.run(model, {}, silentContext) as PassResult).model : model;
}

export const quantizeInt8: Pass<QuantizeInt8Options> = {
  name: 'quantize-int8',
  async run(input: Model, options: QuantizeInt8Options, ctx: PassContext = silentContext): Promise<PassResult> {
    const model = prepareForInt8(input);
    const sg = model.subgraphs[0];
    if (!sg) throw new Error('model has no subgraph');
    if (!hasFloatActivations(model, sg)) {
      return { model: input, stats: { alreadyQuantized: true, quantizedOps: {} }, warnings: [] };
    }
    let ranges = options.ranges;
    if (!ranges) {
      if (!options.samples || options.samples.length === 0) throw new Error('quantize-int8 needs calibration ranges or samples');
      ctx.log(`calibrating on ${options.samples.length} samples`);
      ranges = await calibrate(model, options.samples, options.calibration);
    }
    return new Int8Rewriter(model, ranges, options.io ?? 'float', new Set(options.skipOps ?? []), new Set(options.keepFloat ?? [])).run();
  },
};

function hasFloatActivations(model: Model, sg: Subgraph): boolean {
  return sg.operators.some((op) =>
    [...op.inputs, ...op.outputs].some((i) => i >= 0 && isFloatActivation(model, sg.tensors[i]!)),
  );
}

function isFloatActivation(model: Model, t: Tensor): boolean {
  return t.type === TensorType.FLOAT32 && !isConstant(model, t);
}

function isConstant(model: Model, t: Tensor): boolean {
  return t.buffer > 0 && (model.buffers[t.buffer]?.data.length ?? 0) > 0;
}

interface Int8Twin extends AffineParams {
  index: number;
}

class Int8Rewriter {
  private readonly sg: Subgraph;
  private readonly tensors: Tensor[];
  private readonly buffers: Buffer[];
  private readonly operatorCodes: OperatorCode[];
  private readonly ops: Operator[] = [];
  /** original float tensor → its int8 twin */
  private readonly twins = new Map<number, Int8Twin>();
  /** float tensors whose producer now writes the int8 twin (the float index needs a DEQUANTIZE) */
  private readonly int8Home = new Set<number>();
  private readonly dequantized = new Set<number>();
  private readonly requantized = new Map<string, number>();
  private readonly quantizedOps: Record<string, number> = {};
  private readonly floatOps = new Map<string, { count: number; reason: string }>();
  private inserted = { quantize: 0, dequantize: 0, requantize: 0 };
  private weightBytes = { before: 0, after: 0 };

  constructor(
    private readonly model: Model,
    private readonly ranges: TensorRanges,
    private readonly io: 'float' | 'int8',
    private readonly skipOps: ReadonlySet<string>,
    private readonly keepFloat: ReadonlySet<number> = new Set(),
  ) {
    this.sg = model.subgraphs[0]!;
    this.tensors = this.sg.tensors.slice();
    this.buffers = model.buffers.slice();
    this.operatorCodes = model.operatorCodes.slice();
  }

  run(): PassResult {
    const sg = this.sg;
    let inputs = sg.inputs;
    if (this.io === 'int8') {
      inputs = sg.inputs.map((t) => {
        if (!this.isFloatAct(t)) return t;
        const range = this.range(t);
        if (!range) throw new Error(`no calibration range for model input ${this.label(t)}`);
        const twin = this.newTwin(t, activationParams(range.min, range.max));
        this.int8Home.add(t);
        return twin.index;
      });
    }

    sg.operators.forEach((op, i) => this.rewrite(op, i));

    let outputs = sg.outputs;
    if (this.io === 'int8') {
      outputs = sg.outputs.map((t) => (this.isFloatAct(t) || this.int8Home.has(t) ? this.int8Of(t).index : t));
    } else {
      for (const t of sg.outputs) if (this.int8Home.has(t)) this.floatOf(t);
    }

    const count = Object.values(this.quantizedOps).reduce((a, b) => a + b, 0);
    const warnings = [...this.floatOps].map(([name, f]) => `op ${name} (${f.count}x) kept float: ${f.reason}`);
    const stats = {
      quantizedOps: this.quantizedOps,
      floatOps: Object.fromEntries([...this.floatOps].map(([n, f]) => [n, f.count])),
      insertedQuantize: this.inserted.quantize,
      insertedDequantize: this.inserted.dequantize,
      insertedRequantize: this.inserted.requantize,
      weightBytesBefore: this.weightBytes.before,
      weightBytesAfter: this.weightBytes.after,
    };
    if (count === 0) {
      // Float only at the model's edges (QUANTIZE / DEQUANTIZE of an int8 model with float I/O)?
      if (this.floatOps.size === 0) return { model: this.model, stats: { ...stats, alreadyQuantized: true }, warnings };
      return { model: this.model, stats, warnings: [...warnings, 'no op could be quantized'] };
    }

    const newSg: Subgraph = { ...sg, tensors: this.tensors, operators: this.ops, inputs, outputs };
    let out: Model = {
      ...this.model,
      operatorCodes: this.operatorCodes,
      buffers: this.buffers,
      subgraphs: [newSg, ...this.model.subgraphs.slice(1)],
    };
    if (out.signatureDefs && this.io === 'int8') out = retargetSignatures(out, sg, newSg);
    return { model: dropDeadTensorsAndBuffers(out), stats, warnings };
  }

  private rewrite(op: Operator, index: number): void {
    const code = opBuiltinCode(this.model, op);
    const name = opName(this.model, op);
    const touchesFloat = [...op.inputs, ...op.outputs].some((i) => i >= 0 && this.tensors[i]!.type === TensorType.FLOAT32);
    const isBoundary = code === BuiltinOperator.QUANTIZE || code === BuiltinOperator.DEQUANTIZE;
    if (!touchesFloat || isBoundary) {
      // Integer / already-quantized op, or an existing float↔int8 boundary: leave as is.
      const inputs = op.inputs.map((t) => (t >= 0 && this.int8Home.has(t) ? this.floatOf(t) : t));
      this.ops.push({ ...op, inputs });
      return;
    }
    const skipped = this.skipOps.has(name) || this.keepFloat.has(index);
    const rule = skipped ? undefined : INT8_OP_RULES.get(code);
    const reason = this.keepFloat.has(index) ? 'kept float (mixed precision)' : skipped ? 'skipped by option' : rule ? this.ineligible(op, rule) : 'no int8 kernel in the supported set';
    if (reason !== undefined || !rule) {
      const f = this.floatOps.get(name) ?? { count: 0, reason: reason ?? '' };
      f.count++;
      this.floatOps.set(name, f);
      const inputs = op.inputs.map((t) => (t >= 0 && this.int8Home.has(t) ? this.floatOf(t) : t));
      this.ops.push({ ...op, inputs });
      return;
    }
    this.quantizedOps[name] = (this.quantizedOps[name] ?? 0) + 1;

    const inputs = op.inputs.slice();
    let weightScales: number[] | undefined;
    const firstAct = this.firstFloatInput(op, rule);
    // Output params first: "same" follows the input, "inputsShareOutput" pushes them onto inputs.
    const outParams = op.outputs.map((t): AffineParams | undefined => {
      if (t < 0 || this.tensors[t]!.type !== TensorType.FLOAT32) return undefined;
      if (rule.output.kind === 'fixed') return rule.output;
      if (rule.output.kind === 'same') return this.int8Of(firstAct!);
      const r = this.range(t)!;
      return activationParams(r.min, r.max);
    });

    op.inputs.forEach((t, slot) => {
      if (t < 0 || this.tensors[t]!.type !== TensorType.FLOAT32 || slot === rule.bias) return;
      if (rule.weight && slot === rule.weight.input) {
        const w = this.quantizeWeight(t, rule.weight.axis);
        inputs[slot] = w.index;
        weightScales = w.scales;
      } else if (rule.inputsShareOutput) {
        inputs[slot] = this.int8WithParams(t, outParams[0]!);
      } else {
        inputs[slot] = this.int8Of(t).index;
      }
    });
    if (rule.bias !== undefined && (op.inputs[rule.bias] ?? -1) >= 0 && weightScales) {
      const act = this.int8Of(op.inputs[rule.activationInput ?? 0]!);
      inputs[rule.bias] = this.quantizeBiasTensor(op.inputs[rule.bias]!, biasScales(act.scale, weightScales));
    }
    const outputs = op.outputs.map((t, k) => {
      const p = outParams[k];
      if (!p) return t;
      this.int8Home.add(t);
      return this.newTwin(t, p).index;
    });
    this.ops.push({ ...op, inputs, outputs });
  }

  /** Why `op` cannot be quantized now, or undefined when it can. */
  private ineligible(op: Operator, rule: Int8OpRule): string | undefined {
    for (const [slot, t] of op.inputs.entries()) {
      if (t < 0) continue;
      const tensor = this.tensors[t]!;
      const isWeight = rule.weight?.input === slot;
      if (isWeight || slot === rule.bias) {
        if (tensor.type !== TensorType.FLOAT32 || !isConstant(this.model, tensor)) return 'weights are not float32 constants';
        if (tensor.sparsity) return 'sparse weights are not supported';
        if (isWeight && rule.weight?.axis !== undefined && (tensor.shape?.length ?? 0) <= rule.weight.axis) {
          return 'weight shape has no channel axis';
        }
        continue;
      }
      if (tensor.type === TensorType.FLOAT32) {
        if (!isConstant(this.model, tensor) && !this.int8Home.has(t) && !this.range(t)) return `no calibration range for ${this.label(t)}`;
      } else if (tensor.type !== TensorType.INT32 && tensor.type !== TensorType.INT64) {
        return `input ${this.label(t)} has a non-float type`;
      }
    }
    for (const t of op.outputs) {
      if (t < 0) continue;
      if (this.tensors[t]!.type !== TensorType.FLOAT32) return `output ${this.label(t)} is not float32`;
      if (rule.output.kind === 'range' && !this.range(t)) return `no calibration range for ${this.label(t)}`;
    }
    if (rule.output.kind === 'same' && this.firstFloatInput(op, rule) === undefined) return 'no float input to take params from';
    return undefined;
  }

  private firstFloatInput(op: Operator, rule: Int8OpRule): number | undefined {
    return op.inputs.find(
      (t, slot) => t >= 0 && slot !== rule.weight?.input && slot !== rule.bias && this.tensors[t]!.type === TensorType.FLOAT32,
    );
  }

  private range(t: number): { min: number; max: number } | undefined {
    const r = this.ranges.get(t);
    return r && Number.isFinite(r.min) && Number.isFinite(r.max) ? r : undefined;
  }

  private isFloatAct(t: number): boolean {
    return t >= 0 && isFloatActivation(this.model, this.tensors[t]!);
  }

  private label(t: number): string {
    return `tensor ${t} (${this.tensors[t]?.name ?? '?'})`;
  }

  /** The int8 twin of a float tensor, creating it (a QUANTIZE, or quantized data for a constant) when missing. */
  private int8Of(t: number): Int8Twin {
    const have = this.twins.get(t);
    if (have) return have;
    const tensor = this.tensors[t]!;
    if (isConstant(this.model, tensor)) {
      const values = tensorData(this.model, tensor) as Float32Array;
      let min = Infinity;
      let max = -Infinity;
      for (const v of values) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      return this.constantTwin(t, values, activationParams(min, max));
    }
    const r = this.range(t);
    if (!r) throw new Error(`no calibration range for ${this.label(t)}`);
    const twin = this.newTwin(t, activationParams(r.min, r.max));
    this.ops.push({ opcodeIndex: this.opcode(BuiltinOperator.QUANTIZE), inputs: [t], outputs: [twin.index], customOptionsFormat: 0 });
    this.inserted.quantize++;
    return twin;
  }

  /** An int8 version of `t` carrying exactly `p` (requantizing the twin when its params differ). */
  private int8WithParams(t: number, p: AffineParams): number {
    const key = `${t}:${p.scale}:${p.zeroPoint}`;
    const cached = this.requantized.get(key);
    if (cached !== undefined) return cached;
    let index: number;
    const tensor = this.tensors[t]!;
    if (isConstant(this.model, tensor)) {
      index = this.constantTwin(t, tensorData(this.model, tensor) as Float32Array, p, false).index;
    } else {
      const twin = this.int8Of(t);
      if (twin.scale === p.scale && twin.zeroPoint === p.zeroPoint) {
        index = twin.index;
      } else {
        index = this.pushTensor(int8Tensor(tensor, p, '_requant'));
        this.ops.push({ opcodeIndex: this.opcode(BuiltinOperator.QUANTIZE), inputs: [twin.index], outputs: [index], customOptionsFormat: 0 });
        this.inserted.requantize++;
      }
    }
    this.requantized.set(key, index);
    return index;
  }

  /** The float tensor for `t`: itself, or (for an int8-home tensor) a DEQUANTIZE of its twin into index `t`. */
  private floatOf(t: number): number {
    if (this.int8Home.has(t) && !this.dequantized.has(t)) {
      this.ops.push({ opcodeIndex: this.opcode(BuiltinOperator.DEQUANTIZE), inputs: [this.twins.get(t)!.index], outputs: [t], customOptionsFormat: 0 });
      this.dequantized.add(t);
      this.inserted.dequantize++;
    }
    return t;
  }

  private newTwin(t: number, p: AffineParams): Int8Twin {
    const index = this.pushTensor(int8Tensor(this.tensors[t]!, p, '_int8'));
    const twin = { index, scale: p.scale, zeroPoint: p.zeroPoint };
    this.twins.set(t, twin);
    return twin;
  }

  private constantTwin(t: number, values: Float32Array, p: AffineParams, cache = true): Int8Twin {
    const data = quantizeAffine(values, p);
    const index = this.pushTensor({ ...int8Tensor(this.tensors[t]!, p, '_int8'), buffer: this.pushBuffer(data) });
    const twin = { index, scale: p.scale, zeroPoint: p.zeroPoint };
    if (cache) this.twins.set(t, twin);
    return twin;
  }

  private quantizeWeight(t: number, axis: number | undefined): { index: number; scales: number[] } {
    const tensor = this.tensors[t]!;
    const values = tensorData(this.model, tensor) as Float32Array;
    const shape = tensor.shape ?? [values.length];
    const { values: q, scales } =
      axis === undefined ? quantizeSymmetricPerChannel(values, [1, values.length], 0) : quantizeSymmetricPerChannel(values, shape, axis);
    this.weightBytes.before += values.byteLength;
    this.weightBytes.after += q.byteLength;
    const index = this.pushTensor({
      ...tensor,
      type: TensorType.INT8,
      buffer: this.pushBuffer(q),
      quantization: { scale: scales, zeroPoint: scales.map(() => 0n), quantizedDimension: axis ?? 0 },
    });
    return { index, scales };
  }

  private quantizeBiasTensor(t: number, scales: number[]): number {
    const tensor = this.tensors[t]!;
    const values = tensorData(this.model, tensor) as Float32Array;
    const q = quantizeBias(values, scales);
    this.weightBytes.before += values.byteLength;
    this.weightBytes.after += q.byteLength;
    return this.pushTensor({
      ...tensor,
      type: TensorType.INT32,
      buffer: this.pushBuffer(q),
      quantization: { scale: scales, zeroPoint: scales.map(() => 0n), quantizedDimension: 0 },
    });
  }

  private pushTensor(t: Tensor): number {
    this.tensors.push(t);
    return this.tensors.length - 1;
  }

  private pushBuffer(data: Int8Array | Int32Array): number {
    this.buffers.push({ data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return this.buffers.length - 1;
  }

  private opcode(builtinCode: number): number {
    const found = this.operatorCodes.findIndex((c) => c.builtinCode === builtinCode && c.customCode === undefined);
    if (found >= 0) return found;
    this.operatorCodes.push({ builtinCode, deprecatedBuiltinCode: Math.min(builtinCode, 127), version: 2 }); // v2: the int8 variants
    return this.operatorCodes.length - 1;
  }
}

function int8Tensor(base: Tensor, p: AffineParams, suffix: string): Tensor {
  return {
    ...base,
    name: `${base.name ?? 'tensor'}${suffix}`,
    type: TensorType.INT8,
    buffer: 0,
    quantization: { scale: [p.scale], zeroPoint: [BigInt(p.zeroPoint)], quantizedDimension: 0 },
  };
}

/** With int8 I/O the subgraph's inputs/outputs moved to new tensors; signatures must follow. */
function retargetSignatures(model: Model, before: Subgraph, after: Subgraph): Model {
  const moved = new Map<number, number>();
  before.inputs.forEach((t, i) => moved.set(t, after.inputs[i]!));
  before.outputs.forEach((t, i) => moved.set(t, after.outputs[i]!));
  return {
    ...model,
    signatureDefs: model.signatureDefs!.map((sig) =>
      sig.subgraphIndex !== 0
        ? sig
        : {
            ...sig,
            inputs: sig.inputs.map((m) => ({ ...m, tensorIndex: moved.get(m.tensorIndex) ?? m.tensorIndex })),
            outputs: sig.outputs.map((m) => ({ ...m, tensorIndex: moved.get(m.tensorIndex) ?? m.tensorIndex })),
          },
    ),
  };
}
