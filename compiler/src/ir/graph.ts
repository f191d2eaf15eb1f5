/**
 * Graph helpers over the IR. Editing helpers never mutate their input: they return a new Model that
 * shares every untouched subgraph, tensor, operator and buffer with the old one (the pass contract).
 */
import type { Buffer, Model, Operator, OperatorCode, SignatureDef, Subgraph, Tensor } from './model.js';
import { TensorType } from './tensor-type.js';
import { BuiltinOperator as OP, builtinOpName } from '../tflite/builtin-ops.js';

/** The builtin name of an operator ("CONV_2D"), or the custom code of a CUSTOM op. */
export function opName(model: Model, op: Operator): string {
  const code = model.operatorCodes[op.opcodeIndex];
  if (!code) return `INVALID_OPCODE(${op.opcodeIndex})`;
  if (code.builtinCode === OP.CUSTOM && code.customCode !== undefined) return code.customCode;
  return builtinOpName(code.builtinCode);
}

export function opBuiltinCode(model: Model, op: Operator): number {
  return model.operatorCodes[op.opcodeIndex]?.builtinCode ?? -1;
}

function subgraphOf(model: Model, subgraph: Subgraph | number): Subgraph {
  return typeof subgraph === 'number' ? model.subgraphs[subgraph] : subgraph;
}

export interface WeightTensors {
  /** Tensor index of the weight (filter) input. */
  weight: number;
  /** Tensor index of the bias input; undefined when the op has none. */
  bias?: number;
}

/**
 * The weight and bias tensors of a weighted op (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED:
 * inputs [input, weight, bias?]; TRANSPOSE_CONV: inputs [output_shape, weight, input, bias?]),
 * or undefined for any other op.
 */
export function weightTensors(model: Model, subgraph: Subgraph | number, op: Operator): WeightTensors | undefined {
  const sg = subgraphOf(model, subgraph);
  const present = (i: number | undefined): number | undefined =>
    i !== undefined && i >= 0 && i < sg.tensors.length ? i : undefined;
  let weight: number | undefined;
  let bias: number | undefined;
  switch (opBuiltinCode(model, op)) {
    case OP.CONV_2D:
    case OP.DEPTHWISE_CONV_2D:
    case OP.FULLY_CONNECTED:
      weight = present(op.inputs[1]);
      bias = present(op.inputs[2]);
      break;
    case OP.TRANSPOSE_CONV:
      weight = present(op.inputs[1]);
      bias = present(op.inputs[3]);
      break;
    default:
      return undefined;
  }
  if (weight === undefined) return undefined;
  return bias === undefined ? { weight } : { weight, bias };
}

/** Indices of the operators that write `tensor` (at most one in a valid graph). */
export function producers(subgraph: Subgraph, tensor: number): number[] {
  const out: number[] = [];
  subgraph.operators.forEach((op, i) => {
    if (op.outputs.includes(tensor)) out.push(i);
  });
  return out;
}

/** Indices of the operators that read `tensor`, in execution order. */
export function consumers(subgraph: Subgraph, tensor: number): number[] {
  const out: number[] = [];
  subgraph.operators.forEach((op, i) => {
    if (op.inputs.includes(tensor)) out.push(i);
  });
  return out;
}

/** A copy of `model` whose buffer `index` holds `data` (every tensor using that buffer sees it). */
export function replaceBuffer(model: Model, index: number, data: Uint8Array): Model {
  if (index <= 0 || index >= model.buffers.length) throw new RangeError(`buffer ${index} cannot be replaced`);
  const buffers = model.buffers.slice();
  buffers[index] = { ...buffers[index], data };
  return { ...model, buffers };
}

/** Appends a buffer holding `data`; returns the new model and the buffer index. */
export function addBuffer(model: Model, data: Uint8Array): { model: Model; buffer: number } {
  const buffers: Buffer[] = [...model.buffers, { data }];
  return { model: { ...model, buffers }, buffer: buffers.length - 1 };
}

/**
 * Appends a tensor to a subgraph. With `data`, a fresh buffer holding it is appended and the
 * tensor points at it (whatever `tensor.buffer` said); without, the tensor keeps its buffer field.
 */
export function addTensor(
  model: Model,
  subgraph: number,
  tensor: Tensor,
  data?: Uint8Array,
): { model: Model; tensor: number } {
  let next = model;
  let t = tensor;
  if (data) {
    const added = addBuffer(next, data);
    next = added.model;
    t = { ...tensor, buffer: added.buffer };
  }
  const sg = next.subgraphs[subgraph];
  const subgraphs = next.subgraphs.slice();
  subgraphs[subgraph] = { ...sg, tensors: [...sg.tensors, t] };
  return { model: { ...next, subgraphs }, tensor: sg.tensors.length };
}

/** The index of the operator code for a builtin (or custom) op, adding the code if missing. */
export function ensureOperatorCode(
  model: Model,
  builtinCode: number,
  version = 1,
  customCode?: string,
): { model: Model; opcodeIndex: number } {
  const found = model.operatorCodes.findIndex(
    (c) => c.builtinCode === builtinCode && c.customCode === customCode && c.version === version,
  );
  if (found >= 0) return { model, opcodeIndex: found };
  const code: OperatorCode = { builtinCode, deprecatedBuiltinCode: Math.min(builtinCode, 127), version };
  if (customCode !== undefined) code.customCode = customCode;
  const operatorCodes = [...model.operatorCodes, code];
  return { model: { ...model, operatorCodes }, opcodeIndex: operatorCodes.length - 1 };
}

/** Inserts an operator at position `at` (default: the end) of a subgraph's execution order. */
export function addOperator(model: Model, subgraph: number, op: Operator, at?: number): { model: Model; operator: number } {
  const sg = model.subgraphs[subgraph];
  const position = at ?? sg.operators.length;
  if (position < 0 || position > sg.operators.length) throw new RangeError(`operator position ${position} out of range`);
  const operators = sg.operators.slice();
  operators.splice(position, 0, op);
  const subgraphs = model.subgraphs.slice();
  subgraphs[subgraph] = { ...sg, operators };
  return { model: { ...model, subgraphs }, operator: position };
}

/** Removes an operator; its tensors stay until dropDeadTensorsAndBuffers. */
export function removeOperator(model: Model, subgraph: number, operator: number): Model {
  const sg = model.subgraphs[subgraph];
  if (operator < 0 || operator >= sg.operators.length) throw new RangeError(`operator ${operator} out of range`);
  const subgraphs = model.subgraphs.slice();
  subgraphs[subgraph] = { ...sg, operators: sg.operators.filter((_, i) => i !== operator) };
  return { ...model, subgraphs };
}

/**
 * Drops tensors nothing refers to (no op input/output/intermediate, subgraph input/output or
 * signature entry) and buffers no remaining tensor or metadata refers to, remapping every index.
 * Buffer 0, the empty sentinel, always stays. Activations that own an empty buffer (the MLIR converter
 * gives every tensor one) are pointed at buffer 0, which LiteRT treats the same: about 11 bytes per
 * tensor that ai-edge-quantizer's output does not spend either. Zero-element constants keep theirs.
 */
export function dropDeadTensorsAndBuffers(model: Model): Model {
  model = shareEmptyBuffer(model);
  const tensorMaps = model.subgraphs.map((sg, s) => {
    const live = new Set<number>();
    const mark = (i: number): void => {
      if (i >= 0) live.add(i);
    };
    sg.inputs.forEach(mark);
    sg.outputs.forEach(mark);
    for (const op of sg.operators) {
      op.inputs.forEach(mark);
      op.outputs.forEach(mark);
      op.intermediates?.forEach(mark);
    }
    for (const sig of model.signatureDefs ?? []) {
      if (sig.subgraphIndex !== s) continue;
      for (const m of [...sig.inputs, ...sig.outputs]) mark(m.tensorIndex);
    }
    // Blockwise / multi-axis quantization keeps its scales and zero points in other tensors.
    for (const i of live) {
      const d = sg.tensors[i]?.quantization?.details;
      if (d && d.type !== 1) {
        mark(d.scales);
        mark(d.zeroPoints);
      }
    }
    return compactMap(sg.tensors.length, (i) => live.has(i));
  });

  const liveBuffers = new Set<number>([0]);
  model.subgraphs.forEach((sg, s) => {
    sg.tensors.forEach((t, i) => {
      if (tensorMaps[s][i] >= 0) liveBuffers.add(t.buffer);
    });
  });
  model.metadata?.forEach((m) => liveBuffers.add(m.buffer));
  const bufferMap = compactMap(model.buffers.length, (i) => liveBuffers.has(i));
  const buf = (i: number): number => bufferMap[i] ?? i;

  const subgraphs = model.subgraphs.map((sg, s) => {
    const map = tensorMaps[s];
    const t = (i: number): number => (i < 0 ? i : map[i]);
    const tensors = sg.tensors.filter((_, i) => map[i] >= 0).map((tensor) => remapDetails(remapBuffer(tensor, buf(tensor.buffer)), t));
    return {
      ...sg,
      tensors,
      inputs: sg.inputs.map(t),
      outputs: sg.outputs.map(t),
      operators: sg.operators.map((op) => {
        const next: Operator = { ...op, inputs: op.inputs.map(t), outputs: op.outputs.map(t) };
        if (op.intermediates) next.intermediates = op.intermediates.map(t);
        return next;
      }),
    };
  });
  const out: Model = { ...model, subgraphs, buffers: model.buffers.filter((_, i) => bufferMap[i] >= 0) };
  // metadata_buffer keeps no buffer alive (LiteRT never reads it; metadata[] holds the real references):
  // entries whose buffer survives are remapped, stale or dropped ones go.
  if (model.metadataBuffer) out.metadataBuffer = model.metadataBuffer.filter((b) => (bufferMap[b] ?? -1) >= 0).map(buf);
  if (model.metadata) out.metadata = model.metadata.map((m) => ({ ...m, buffer: buf(m.buffer) }));
  if (model.signatureDefs) {
    out.signatureDefs = model.signatureDefs.map((sig): SignatureDef => {
      const map = tensorMaps[sig.subgraphIndex];
      const remap = (m: SignatureDef['inputs'][number]) => ({ ...m, tensorIndex: map?.[m.tensorIndex] ?? m.tensorIndex });
      return { ...sig, inputs: sig.inputs.map(remap), outputs: sig.outputs.map(remap) };
    });
  }
  return out;
}

function remapDetails(tensor: Tensor, t: (i: number) => number): Tensor {
  const q = tensor.quantization;
  const d = q?.details;
  if (!q || !d || d.type === 1) return tensor;
  return { ...tensor, quantization: { ...q, details: { ...d, scales: t(d.scales), zeroPoints: t(d.zeroPoints) } } };
}

/** Activations (empty buffer, at least one element or an unknown shape) read buffer 0 instead of their own. */
function shareEmptyBuffer(model: Model): Model {
  const empty = (b: number): boolean => b > 0 && model.buffers[b]?.data.byteLength === 0;
  const referencedByMetadata = new Set((model.metadata ?? []).map((m) => m.buffer));
  const isActivation = (t: Tensor): boolean =>
    empty(t.buffer) && !referencedByMetadata.has(t.buffer) && !(t.shape !== undefined && t.shape.length > 0 && t.shape.every((d) => d >= 0) && t.shape.includes(0));
  if (!model.subgraphs.some((sg) => sg.tensors.some(isActivation))) return model;
  const subgraphs = model.subgraphs.map((sg) => (sg.tensors.some(isActivation) ? { ...sg, tensors: sg.tensors.map((t) => (isActivation(t) ? remapBuffer(t, 0) : t)) } : sg));
  return { ...model, subgraphs };
}

function remapBuffer(tensor: Tensor, buffer: number): Tensor {
  return tensor.buffer === buffer ? tensor : { ...tensor, buffer };
}

/** old index → new index (or -1 when dropped), keeping order. */
function compactMap(length: number, keep: (i: number) => boolean): number[] {
  const map = new Array<number>(length);
  let next = 0;
  for (let i = 0; i < length; i++) map[i] = keep(i) ? next++ : -1;
  return map;
}

/**
 * Adds tensors of a subgraph (default 0) as extra subgraph outputs, after the existing ones, so the
 * oracle can read intermediate activations. Signatures of that subgraph get matching entries named
 * after the tensor (that is also the name LiteRT reports for signature-less models), made unique
 * with a `:<index>` suffix when needed. Tensors that already are outputs are left alone.
 */
export function exposeTensorsAsOutputs(model: Model, tensorIndices: number[], subgraph = 0): Model {
  const sg = model.subgraphs[subgraph];
  const added = [...new Set(tensorIndices)].filter((i) => !sg.outputs.includes(i));
  for (const i of added) {
    if (i < 0 || i >= sg.tensors.length) throw new RangeError(`tensor ${i} out of range`);
  }
  const subgraphs = model.subgraphs.slice();
  subgraphs[subgraph] = { ...sg, outputs: [...sg.outputs, ...added] };
  const out: Model = { ...model, subgraphs };
  if (model.signatureDefs) {
    out.signatureDefs = model.signatureDefs.map((sig) => {
      if (sig.subgraphIndex !== subgraph) return sig;
      const taken = new Set(sig.outputs.map((o) => o.name));
      const extra = added.map((i) => {
        let name = sg.tensors[i].name || `tensor_${i}`;
        if (taken.has(name)) name = `${name}:${i}`;
        taken.add(name);
        return { name, tensorIndex: i };
      });
      return { ...sig, outputs: [...sig.outputs, ...extra] };
    });
  }
  return out;
}

export type TensorData = Float32Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float64Array;

/**
 * The constant data of a tensor as a typed array of its element type (FLOAT16/BFLOAT16 as raw
 * Uint16 bits, INT4 and unusual types as raw bytes). Zero-copy when the data is aligned for the
 * element size, a copy otherwise. Empty when the tensor has no constant data.
 */
export function tensorData(model: Model, tensor: Tensor): TensorData {
  const bytes = model.buffers[tensor.buffer]?.data ?? new Uint8Array(0);
  const ctor = TYPED_ARRAYS.get(tensor.type) ?? Uint8Array;
  const size = ctor.BYTES_PER_ELEMENT;
  if (bytes.byteLength % size !== 0) {
    throw new RangeError(`tensor ${tensor.name ?? ''} buffer of ${bytes.byteLength} bytes is not a whole number of ${size}-byte elements`);
  }
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  return new ctor(aligned.buffer, aligned.byteOffset, aligned.byteLength / size);
}

type TensorDataConstructor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): TensorData; BYTES_PER_ELEMENT: number };

const TYPED_ARRAYS = new Map<number, TensorDataConstructor>([
  [TensorType.FLOAT32, Float32Array],
  [TensorType.FLOAT16, Uint16Array],
  [TensorType.BFLOAT16, Uint16Array],
  [TensorType.FLOAT64, Float64Array],
  [TensorType.INT8, Int8Array],
  [TensorType.UINT8, Uint8Array],
  [TensorType.BOOL, Uint8Array],
  [TensorType.INT16, Int16Array],
  [TensorType.UINT16, Uint16Array],
  [TensorType.INT32, Int32Array],
  [TensorType.UINT32, Uint32Array],
  [TensorType.INT64, BigInt64Array],
  [TensorType.UINT64, BigUint64Array],
]);
