/**
 * The IR verifier (LLVM/MLIR style): structural invariants every pass must preserve. Tests run it
 * after each pass so a pass that breaks the graph fails where it breaks it, not later in LiteRT.
 *
 * Checked: indices in range (buffers, opcodes, operands, subgraph I/O, signatures, metadata),
 * buffer 0 empty, one producer per tensor, runnable (topological) op order, constant byte lengths,
 * well-formed quantization parameters, and operand shapes of the ops the passes rewrite
 * (verify-shapes.ts). Int8-spec rules per op are the quantization verifier's job
 * (passes/quantize-int8-verify.ts); unknown ops are accepted.
 */
import { opBuiltinCode, opName } from './graph.js';
import type { Model, Subgraph, Tensor } from './model.js';
import { formatShape, numElements } from './shape.js';
import { elementSize } from './tensor-type.js';
import { shapeBoundProblems } from './verify-bounds.js';
import { opShapeProblems } from './verify-shapes.js';

export type VerifyCheck = 'index' | 'sentinel-buffer' | 'producer' | 'order' | 'buffer-size' | 'quantization' | 'shape' | 'shape-bound';

export interface VerifyIssue {
  check: VerifyCheck;
  subgraph?: number;
  operator?: number;
  tensor?: number;
  message: string;
}

export class InvalidModelError extends Error {
  constructor(readonly issues: VerifyIssue[]) {
    super(`invalid model (${issues.length} issue${issues.length === 1 ? '' : 's'}):\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    this.name = 'InvalidModelError';
  }
}

/** Throws InvalidModelError listing every issue when the model does not verify. */
export function assertValidModel(model: Model): void {
  const issues = verifyModel(model);
  if (issues.length > 0) throw new InvalidModelError(issues);
}

export function formatIssue(issue: VerifyIssue): string {
  const where = [
    issue.subgraph !== undefined ? `subgraph ${issue.subgraph}` : 'model',
    issue.operator !== undefined ? `op ${issue.operator}` : undefined,
    issue.tensor !== undefined ? `tensor ${issue.tensor}` : undefined,
  ].filter((s) => s !== undefined);
  return `[${issue.check}] ${where.join(' ')}: ${issue.message}`;
}

export function verifyModel(model: Model): VerifyIssue[] {
  const issues: VerifyIssue[] = shapeBoundProblems(model).map((p) => ({ check: 'shape-bound', ...p }));
  const nBuffers = model.buffers.length;
  const bufferIndexOk = (b: number): boolean => Number.isInteger(b) && b >= 0 && b < nBuffers;

  if (nBuffers === 0) issues.push({ check: 'sentinel-buffer', message: 'no buffers (buffer 0 must be the empty sentinel)' });
  else if (model.buffers[0]!.data.byteLength !== 0) issues.push({ check: 'sentinel-buffer', message: `buffer 0 holds ${model.buffers[0]!.data.byteLength} bytes; it must be empty` });

  // metadata_buffer is not checked: LiteRT never reads this legacy list, and ai-edge-quantizer writes
  // files whose entries point past the buffers (they still run), so such a list is no defect.
  model.metadata?.forEach((m, k) => {
    if (!bufferIndexOk(m.buffer)) issues.push({ check: 'index', message: `metadata[${k}] "${m.name ?? ''}" names buffer ${m.buffer} of ${nBuffers}` });
  });
  model.signatureDefs?.forEach((sig, k) => {
    const sg = model.subgraphs[sig.subgraphIndex];
    const what = `signature ${k} "${sig.signatureKey ?? ''}"`;
    if (!sg) {
      issues.push({ check: 'index', message: `${what} names subgraph ${sig.subgraphIndex} of ${model.subgraphs.length}` });
      return;
    }
    for (const [dir, maps] of [['input', sig.inputs], ['output', sig.outputs]] as const) {
      for (const m of maps) {
        if (!inRange(m.tensorIndex, sg.tensors.length)) {
          issues.push({ check: 'index', subgraph: sig.subgraphIndex, message: `${what} ${dir} "${m.name ?? ''}" names tensor ${m.tensorIndex} of ${sg.tensors.length}` });
        }
      }
    }
  });

  model.subgraphs.forEach((sg, s) => verifySubgraph(model, sg, s, issues));
  return issues;
}

function inRange(i: number, n: number): boolean {
  return Number.isInteger(i) && i >= 0 && i < n;
}

/** Buffer 0 is the sentinel: tensors on it have no data even if it is (wrongly) filled. */
function isConstant(model: Model, t: Tensor): boolean {
  return t.buffer > 0 && (model.buffers[t.buffer]?.data.byteLength ?? 0) > 0;
}

/**
 * A constant with no elements (e.g. ONNX converters' INT32 shape [0] "scalar" reshape target): its
 * own buffer legitimately holds 0 bytes, so it looks like an activation but is readable from the start.
 */
function isEmptyConstant(model: Model, t: Tensor): boolean {
  return t.buffer > 0 && model.buffers[t.buffer]?.data.byteLength === 0 && t.shape !== undefined && t.shape.length > 0 && t.shape.every((d) => d >= 0) && numElements(t.shape) === 0;
}

function verifySubgraph(model: Model, sg: Subgraph, s: number, issues: VerifyIssue[]): void {
  const n = sg.tensors.length;
  const add = (issue: Omit<VerifyIssue, 'subgraph'>): void => void issues.push({ subgraph: s, ...issue });

  // Tensors: buffer index, constant size, quantization.
  sg.tensors.forEach((t, i) => {
    if (!inRange(t.buffer, model.buffers.length)) {
      add({ check: 'index', tensor: i, message: `buffer ${t.buffer} of ${model.buffers.length}` });
      return;
    }
    const bytes = t.buffer === 0 ? 0 : model.buffers[t.buffer]!.data.byteLength;
    const size = elementSize(t.type);
    // Sparse constants store their own encoding; strings and unknown types have no fixed size.
    if (bytes > 0 && t.sparsity === undefined && size > 0 && t.shape && t.shape.every((d) => d >= 0)) {
      const want = Math.ceil(numElements(t.shape) * size);
      if (bytes !== want) add({ check: 'buffer-size', tensor: i, message: `${t.name ?? ''}: ${bytes} bytes for shape ${formatShape(t.shape)} (want ${want})` });
    }
    for (const m of quantizationProblems(t)) add({ check: 'quantization', tensor: i, message: `${t.name ?? ''}: ${m}` });
  });

  // Subgraph inputs/outputs.
  for (const [dir, list] of [['input', sg.inputs], ['output', sg.outputs]] as const) {
    list.forEach((t, k) => {
      if (!inRange(t, n)) add({ check: 'index', message: `subgraph ${dir} ${k} is tensor ${t} of ${n}` });
    });
  }

  // Operators: indices, single producer, runnable order, shapes.
  const producedBy = new Map<number, string>();
  for (const t of sg.inputs) if (inRange(t, n)) producedBy.set(t, 'a subgraph input');
  const ready = new Set<number>(sg.inputs);
  sg.tensors.forEach((t, i) => {
    // A bad buffer index is reported above; counting the tensor as available avoids a cascade.
    if (isConstant(model, t) || t.isVariable || !inRange(t.buffer, model.buffers.length) || isEmptyConstant(model, t)) ready.add(i);
  });
  sg.operators.forEach((op, o) => {
    const name = opName(model, op);
    const addOp = (check: VerifyCheck, message: string, tensor?: number): void =>
      add({ check, operator: o, ...(tensor !== undefined ? { tensor } : {}), message: `${name}: ${message}` });
    if (!inRange(op.opcodeIndex, model.operatorCodes.length)) addOp('index', `opcode index ${op.opcodeIndex} of ${model.operatorCodes.length}`);
    let indicesOk = true;
    const lists = [['input', op.inputs, true], ['output', op.outputs, false], ['intermediate', op.intermediates ?? [], true]] as const;
    for (const [what, list, optionalAllowed] of lists) {
      list.forEach((t, k) => {
        if (optionalAllowed && t === -1) return;
        if (!inRange(t, n)) {
          indicesOk = false;
          addOp('index', `${what} ${k} is tensor ${t} of ${n}`);
        }
      });
    }
    if (!indicesOk) return;
    for (const t of op.inputs) {
      if (t >= 0 && !ready.has(t)) addOp('order', `reads tensor ${t} (${sg.tensors[t]!.name ?? ''}) before any op writes it`, t);
    }
    for (const t of op.outputs) {
      const tensor = sg.tensors[t]!;
      const earlier = producedBy.get(t) ?? (isConstant(model, tensor) ? 'a constant buffer' : undefined);
      if (earlier !== undefined) addOp('producer', `writes tensor ${t} (${tensor.name ?? ''}), already produced by ${earlier}`, t);
      producedBy.set(t, `op ${o}`);
      ready.add(t);
    }
    if (inRange(op.opcodeIndex, model.operatorCodes.length)) {
      for (const m of opShapeProblems(model, sg, op, opBuiltinCode(model, op))) addOp('shape', m);
    }
  });
  sg.outputs.forEach((t, k) => {
    if (inRange(t, n) && !ready.has(t)) add({ check: 'order', tensor: t, message: `subgraph output ${k} (${sg.tensors[t]!.name ?? ''}) is never written` });
  });
}

/** Scale/zero-point consistency of one tensor's quantization parameters. */
function quantizationProblems(t: Tensor): string[] {
  const q = t.quantization;
  const scale = q?.scale;
  if (!q || !scale || scale.length === 0) return [];
  const problems: string[] = [];
  const zp = q.zeroPoint;
  if (zp && zp.length !== scale.length && zp.length !== 1) problems.push(`${scale.length} scales but ${zp.length} zero points`);
  const bad = scale.findIndex((x) => !Number.isFinite(x) || x <= 0);
  if (bad >= 0) problems.push(`scale[${bad}] = ${scale[bad]} is not finite and positive`);
  const rank = t.shape?.length;
  if (q.quantizedDimension < 0) problems.push(`quantized_dimension ${q.quantizedDimension} is negative`);
  // Per-tensor parameters ignore the axis, so only per-axis ones are held to the rank.
  if (scale.length > 1 && rank !== undefined) {
    if (q.quantizedDimension >= rank) problems.push(`quantized_dimension ${q.quantizedDimension} outside rank ${rank}`);
    else if (t.shape![q.quantizedDimension] !== scale.length) {
      problems.push(`${scale.length} per-axis scales for dimension ${q.quantizedDimension} of shape ${formatShape(t.shape)}`);
    }
  }
  return problems;
}
