/**
 * Checks on an IR model that the flatbuffer layout cannot guarantee: every index points at something
 * that exists, and every enum-like value is one the schema has. The reader runs it on what it decoded
 * and the writer on what it is about to encode, so the writer never produces a file the reader rejects.
 */
import type { Model, Quantization, SparseIndexVector, Tensor } from '../ir/model.js';
import { isTensorType } from '../ir/tensor-type.js';
import { ModelFormatError } from './errors.js';

function checkIndex(i: number, n: number, where: string, allowOmitted = false): void {
  if (allowOmitted && i === -1) return;
  if (!(Number.isInteger(i) && i >= 0 && i < n)) throw new ModelFormatError(`${where}: index ${i} out of range (${n} available)`);
}

function checkType(type: number, where: string): void {
  if (!isTensorType(type)) throw new ModelFormatError(`${where}: unknown tensor type ${type}`);
}

const INDEX_VECTOR_TYPES: ReadonlySet<SparseIndexVector['type']> = new Set(['int32', 'uint16', 'uint8']);

function checkQuantization(q: Quantization, nt: number, where: string): void {
  const d = q.details;
  if (d === undefined) return;
  switch (d.type) {
    case 1: return;
    case 2: case 3:
      checkIndex(d.scales, nt, `${where}: quantization details scales tensor`);
      checkIndex(d.zeroPoints, nt, `${where}: quantization details zero_points tensor`, true);
      return;
    default: throw new ModelFormatError(`${where}: unknown quantization details type ${(d as { type: unknown }).type}`);
  }
}

function checkTensor(t: Tensor, m: Model, nt: number, externalIds: ReadonlySet<number>, where: string): void {
  checkType(t.type, where);
  t.variantTensors?.forEach((v, i) => checkType(v.type, `${where} variant ${i}`));
  // Buffer 0 is the empty sentinel by convention, so it is accepted even if the buffers vector is missing.
  if (t.buffer !== 0) checkIndex(t.buffer, m.buffers.length, `${where}: buffer`);
  if (t.quantization !== undefined) checkQuantization(t.quantization, nt, where);
  for (const dim of t.sparsity?.dimMetadata ?? []) {
    for (const v of [dim.arraySegments, dim.arrayIndices]) {
      if (v !== undefined && !INDEX_VECTOR_TYPES.has(v.type)) throw new ModelFormatError(`${where}: unknown sparse index vector type ${String(v.type)}`);
    }
  }
  if (t.externalBuffer !== undefined && t.externalBuffer !== 0 && !externalIds.has(t.externalBuffer)) {
    throw new ModelFormatError(`${where}: external_buffer ${t.externalBuffer} matches no external buffer id`);
  }
}

function externalBufferIds(m: Model): Set<number> {
  const ids = new Set<number>();
  const groups = m.externalBufferGroups?.length ?? 0;
  m.externalBuffers?.forEach((eb, i) => {
    checkIndex(eb.group, groups, `external_buffer ${i}: group`);
    if (ids.has(eb.id)) throw new ModelFormatError(`external_buffer ${i}: duplicate id ${eb.id}`);
    ids.add(eb.id);
  });
  return ids;
}

/** Throws ModelFormatError naming the first place that refers to something missing. */
export function validateReferences(m: Model): void {
  const nb = m.buffers.length;
  const externalIds = externalBufferIds(m);
  m.operatorCodes.forEach((c, i) => {
    if (c.deprecatedBuiltinCode < 0) throw new ModelFormatError(`operator_code ${i}: negative builtin code ${c.deprecatedBuiltinCode}`);
  });
  m.subgraphs.forEach((sg, s) => {
    const nt = sg.tensors.length;
    const at = `subgraph ${s}`;
    sg.tensors.forEach((t, i) => checkTensor(t, m, nt, externalIds, `${at} tensor ${i}`));
    sg.inputs.forEach((i) => checkIndex(i, nt, `${at}: input tensor`));
    sg.outputs.forEach((i) => checkIndex(i, nt, `${at}: output tensor`));
    sg.operators.forEach((op, o) => {
      const ow = `${at} operator ${o}`;
      checkIndex(op.opcodeIndex, m.operatorCodes.length, `${ow}: opcode_index`);
      op.inputs.forEach((i) => checkIndex(i, nt, `${ow}: input tensor`, true));
      op.outputs.forEach((i) => checkIndex(i, nt, `${ow}: output tensor`, true));
      op.intermediates?.forEach((i) => checkIndex(i, nt, `${ow}: intermediate tensor`));
    });
  });
  // metadata_buffer (legacy, deprecated) is kept verbatim and not checked: the LiteRT runtime never reads
  // it, and ai-edge-quantizer writes stale entries (e.g. 172 with 108 buffers) into files LiteRT runs.
  m.metadata?.forEach((md, i) => checkIndex(md.buffer, nb, `metadata ${i}: buffer`));
  m.signatureDefs?.forEach((sd, i) => {
    checkIndex(sd.subgraphIndex, m.subgraphs.length, `signature_def ${i}: subgraph_index`);
    const nt = m.subgraphs[sd.subgraphIndex]!.tensors.length;
    for (const tm of [...sd.inputs, ...sd.outputs]) checkIndex(tm.tensorIndex, nt, `signature_def ${i}: tensor_index`);
  });
}
