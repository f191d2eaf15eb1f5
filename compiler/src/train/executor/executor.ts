/**
 * Runs a float TFLite IR graph as a differentiable tfjs function. Weights and biases of the weighted ops
 * (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED) become tf.Variables kept in their TFLite layout, so that
 * trained values go back into the IR without conversion; other constants are frozen tensors. The batch
 * dimension is free: the IR's batch (usually 1) is replaced by the batch of the inputs.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { tf } from '../backend.js';
import type { Model, Operator, Subgraph } from '../../ir/model.js';
import { opBuiltinCode, opName, replaceBuffer, weightTensors } from '../../ir/graph.js';
import { TensorType, tensorTypeName } from '../../ir/tensor-type.js';
import { BuiltinOperator as Op } from '../../tflite/builtin-ops.js';
import { float32ToFloat16Bits } from '../../ir/float16.js';
import { constantAsFloat, constantAsInts } from './constants.js';
import { KERNELS, type OpContext } from './ops.js';

export class UnsupportedOpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedOpError';
  }
}

/** Where a trainable variable's values live in the IR. */
interface WeightSlot {
  variable: tfjs.Variable;
  /** The tensor whose buffer receives the trained values (the fp16 source of a DEQUANTIZE). */
  storage: number;
}

export interface ExecutorOptions {
  subgraph?: number;
  /** false freezes every constant (e.g. a teacher). Default true. */
  trainable?: boolean;
  /**
   * Applied to a trainable weight each time a run reads it (e.g. QAT fake quantization); the variable
   * itself keeps the float values. Receives the tensor index the op reads.
   */
  weightTransform?: (tensor: number, value: tfjs.Tensor) => tfjs.Tensor;
  /**
   * Applied to every op output that is not a subgraph output, as the next ops read it (e.g. QAT fake
   * quantization of activations). Receives the tensor index.
   */
  activationTransform?: (tensor: number, value: tfjs.Tensor) => tfjs.Tensor;
}

export class GraphExecutor {
  readonly subgraph: Subgraph;
  /** Trainable variables by the tensor index an op reads them through. */
  private readonly weights = new Map<number, WeightSlot>();
  private readonly constants = new Map<number, tfjs.Tensor>();
  /** DEQUANTIZE ops of constants, folded into `constants`/`weights` and skipped at run time. */
  private readonly folded = new Set<Operator>();
  private readonly irBatch: number;
  private readonly weightTransform?: ExecutorOptions['weightTransform'];
  private readonly activationTransform?: ExecutorOptions['activationTransform'];

  constructor(
    readonly model: Model,
    options: ExecutorOptions = {},
  ) {
    const sgIndex = options.subgraph ?? 0;
    this.subgraph = model.subgraphs[sgIndex];
    if (!this.subgraph) throw new RangeError(`model has no subgraph ${sgIndex}`);
    const sg = this.subgraph;
    this.weightTransform = options.weightTransform;
    this.activationTransform = options.activationTransform;
    for (const op of sg.operators) {
      if (opBuiltinCode(model, op) === Op.CUSTOM || !KERNELS.has(opBuiltinCode(model, op))) {
        throw new UnsupportedOpError(`the training executor does not support ${opName(model, op)}`);
      }
    }
    // Quantized activations would silently compute the wrong thing as floats: refuse them.
    for (const op of sg.operators) {
      for (const t of op.outputs) {
        const type = sg.tensors[t]?.type;
        if (type !== TensorType.FLOAT32 && type !== TensorType.INT32) {
          throw new UnsupportedOpError(`the training executor runs float graphs only; ${opName(model, op)} outputs ${sg.tensors[t]?.name ?? t} of type ${tensorTypeName(type ?? -1)}`);
        }
      }
    }
    this.irBatch = sg.tensors[sg.inputs[0]]?.shape?.[0] ?? 1;

    // A constant may reach an op directly or through DEQUANTIZE (fp16/int8 storage).
    const source = new Map<number, number>();
    for (const op of sg.operators) {
      if (opBuiltinCode(model, op) !== Op.DEQUANTIZE) continue;
      const src = sg.tensors[op.inputs[0]];
      const values = constantAsFloat(model, src);
      if (values === undefined) continue;
      this.folded.add(op);
      source.set(op.outputs[0], op.inputs[0]);
    }
    const trainable = new Set<number>();
    if (options.trainable !== false) {
      for (const op of sg.operators) {
        const w = weightTensors(model, sg, op);
        if (w === undefined) continue;
        for (const t of [w.weight, w.bias]) if (t !== undefined) trainable.add(t);
      }
    }
    // Inputs of folded DEQUANTIZEs (the fp16 storage) are reached through their outputs only.
    const tensorsRead = new Set(sg.operators.filter((op) => !this.folded.has(op)).flatMap((op) => op.inputs));
    for (const t of tensorsRead) {
      if (t < 0) continue;
      const storage = source.get(t) ?? t;
      const st = sg.tensors[storage];
      if (st.type === TensorType.INT32 || st.type === TensorType.INT64) continue; // read as ints by kernels
      const values = constantAsFloat(model, st);
      if (values === undefined) continue;
      const shape = sg.tensors[t].shape ?? st.shape ?? [values.length];
      // Only float32/float16 storage can take trained values back losslessly enough.
      const writable = st.type === TensorType.FLOAT32 || st.type === TensorType.FLOAT16;
      if (trainable.has(t) && writable) {
        const variable = tf.variable(tf.tensor(values, shape, 'float32'), true);
        this.weights.set(t, { variable, storage });
      } else {
        this.constants.set(t, tf.keep(tf.tensor(values, shape, 'float32')));
      }
    }
  }

  get inputShapes(): number[][] {
    return this.subgraph.inputs.map((i) => [...(this.subgraph.tensors[i].shape ?? [])]);
  }

  /** Trainable variables in a stable order (by tensor index). */
  variables(): tfjs.Variable[] {
    return [...this.weights.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s.variable);
  }

  /** Tensor indices of the trainable weights, ascending. */
  weightTensorIndices(): number[] {
    return [...this.weights.keys()].sort((a, b) => a - b);
  }

  weightVariable(tensor: number): tfjs.Variable | undefined {
    return this.weights.get(tensor)?.variable;
  }

  parameterCount(): number {
    return this.variables().reduce((n, v) => n + v.size, 0);
  }

  /**
   * Computes `outputs` (tensor indices; default the subgraph outputs) from `inputs` (subgraph input order,
   * NHWC with any batch). Intermediates are left for the caller's tf.tidy / tf.variableGrads to collect.
   */
  run(inputs: tfjs.Tensor[], outputs: number[] = this.subgraph.outputs): tfjs.Tensor[] {
    const sg = this.subgraph;
    if (inputs.length !== sg.inputs.length) throw new RangeError(`expected ${sg.inputs.length} inputs, got ${inputs.length}`);
    const batch = inputs[0].shape[0] ?? 1;
    const values = new Map<number, tfjs.Tensor>();
    sg.inputs.forEach((t, i) => values.set(t, inputs[i]));
    if (this.weightTransform !== undefined) {
      for (const [t, slot] of this.weights) values.set(t, this.weightTransform(t, slot.variable));
    }
    const value = (t: number): tfjs.Tensor => {
      const v = values.get(t) ?? this.weights.get(t)?.variable ?? this.constants.get(t);
      if (v === undefined) throw new Error(`tensor ${t} (${sg.tensors[t]?.name ?? '?'}) has no value`);
      return v;
    };
    const staticShape = (t: number): number[] => {
      const shape = [...(sg.tensors[t].shape ?? [])];
      if (shape.length > 0 && shape[0] === this.irBatch && batch !== this.irBatch) shape[0] = batch;
      return shape;
    };
    for (const op of this.needed(outputs)) {
      const ctx: OpContext = {
        input: (i) => value(op.inputs[i]),
        has: (i) => i < op.inputs.length && op.inputs[i] >= 0,
        ints: (i) => {
          const ints = constantAsInts(this.model, sg.tensors[op.inputs[i]]);
          if (ints === undefined) throw new UnsupportedOpError(`${opName(this.model, op)}: input ${i} must be an integer constant`);
          return ints;
        },
        opts: op.builtinOptions?.fields ?? {},
        outShape: (k) => staticShape(op.outputs[k]),
      };
      const result = KERNELS.get(opBuiltinCode(this.model, op))!(ctx);
      const results = Array.isArray(result) ? result : [result];
      const act = this.activationTransform;
      op.outputs.forEach((t, k) => values.set(t, act !== undefined && !sg.outputs.includes(t) && sg.tensors[t].type === TensorType.FLOAT32 ? act(t, results[k]) : results[k]));
    }
    return outputs.map(value);
  }

  /** Runs one batch outside of training and returns the outputs as arrays (intermediates freed). */
  async predict(inputs: tfjs.Tensor[], outputs?: number[]): Promise<Float32Array[]> {
    const ys = tf.tidy(() => this.run(inputs, outputs));
    const data = await Promise.all(ys.map((y) => y.data() as Promise<Float32Array>));
    tf.dispose(ys);
    return data;
  }

  /** Operators needed for `outputs`, in execution order; folded DEQUANTIZEs excluded. */
  private needed(outputs: number[]): Operator[] {
    const sg = this.subgraph;
    const wanted = new Set(outputs);
    const keep: Operator[] = [];
    for (let i = sg.operators.length - 1; i >= 0; i--) {
      const op = sg.operators[i];
      if (this.folded.has(op) || !op.outputs.some((t) => wanted.has(t))) continue;
      keep.push(op);
      for (const t of op.inputs) if (t >= 0) wanted.add(t);
    }
    return keep.reverse();
  }

  /** A copy of the model holding the current variable values (fp16 storage stays fp16); the input model is untouched. */
  toModel(): Model {
    let out = this.model;
    const sg = this.subgraph;
    for (const slot of this.weights.values()) {
      const t = sg.tensors[slot.storage];
      const values = slot.variable.dataSync() as Float32Array;
      let bytes: Uint8Array;
      if (t.type === TensorType.FLOAT16) {
        const half = Uint16Array.from(values, float32ToFloat16Bits);
        bytes = new Uint8Array(half.buffer);
      } else {
        bytes = new Uint8Array(Float32Array.from(values).buffer);
      }
      out = replaceBuffer(out, t.buffer, bytes);
    }
    return out;
  }

  dispose(): void {
    for (const s of this.weights.values()) s.variable.dispose();
    for (const c of this.constants.values()) c.dispose();
    this.weights.clear();
    this.constants.clear();
  }
}
