/**
 * Checks a quantized model against the TFLite int8 spec and graph sanity, independently of how it
 * was produced: tensor indices valid, ops in a runnable order, quantization params well-formed
 * (scales positive and finite, zero points in range, one scale per channel of the quantized
 * dimension, weights symmetric), int32 biases scaled input × weight, and the per-op output rules
 * (fixed / shared params) of int8-op-rules.ts. Returns human-readable problems; empty = consistent.
 */
import { opBuiltinCode, opName } from '../ir/graph.js';
import type { Model, Tensor } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { INT8_OP_RULES } from './int8-op-rules.js';

export function quantizationProblems(model: Model, subgraph = 0): string[] {
  const sg = model.subgraphs[subgraph];
  if (!sg) return [`no subgraph ${subgraph}`];
  const problems: string[] = [];
  const isConst = (t: Tensor): boolean => (model.buffers[t.buffer]?.data.length ?? 0) > 0;
  const label = (i: number): string => `tensor ${i} (${sg.tensors[i]?.name ?? '?'})`;

  // Runnable order: every input is a constant, a model input, or written by an earlier op.
  const ready = new Set<number>(sg.inputs);
  sg.tensors.forEach((t, i) => {
    if (isConst(t) || t.isVariable) ready.add(i);
  });
  sg.operators.forEach((op, o) => {
    for (const t of [...op.inputs, ...op.outputs]) {
      if (t >= sg.tensors.length) problems.push(`op ${o} (${opName(model, op)}) refers to missing tensor ${t}`);
    }
    for (const t of op.inputs) if (t >= 0 && !ready.has(t)) problems.push(`op ${o} (${opName(model, op)}) reads ${label(t)} before it is written`);
    for (const t of op.outputs) ready.add(t);
  });
  for (const t of sg.outputs) if (!ready.has(t)) problems.push(`model output ${label(t)} is never written`);

  // Well-formed quantization parameters.
  sg.tensors.forEach((t, i) => {
    if (t.type !== TensorType.INT8 && t.type !== TensorType.INT32) return;
    const q = t.quantization;
    if (!q?.scale || q.scale.length === 0) {
      if (t.type === TensorType.INT8) problems.push(`${label(i)}: int8 without scale`);
      return;
    }
    const zps = q.zeroPoint ?? [];
    if (zps.length !== q.scale.length) problems.push(`${label(i)}: ${q.scale.length} scales but ${zps.length} zero points`);
    if (q.scale.some((s) => !(s > 0 && Number.isFinite(s)))) problems.push(`${label(i)}: scale not positive and finite`);
    if (t.type === TensorType.INT8 && zps.some((z) => z < -128n || z > 127n)) problems.push(`${label(i)}: zero point outside [-128, 127]`);
    if (q.scale.length > 1) {
      const rank = t.shape?.length ?? 0;
      if (q.quantizedDimension >= rank) problems.push(`${label(i)}: quantized_dimension ${q.quantizedDimension} >= rank ${rank}`);
      else if (t.shape![q.quantizedDimension] !== q.scale.length) {
        problems.push(`${label(i)}: ${q.scale.length} scales for ${t.shape![q.quantizedDimension]} channels on axis ${q.quantizedDimension}`);
      }
      if (zps.some((z) => z !== 0n)) problems.push(`${label(i)}: per-channel zero points must be 0`);
    }
    if (t.type === TensorType.INT8 && isConst(t) && zps.every((z) => z === 0n)) {
      const data = model.buffers[t.buffer]!.data;
      if (new Int8Array(data.buffer, data.byteOffset, data.byteLength).includes(-128)) problems.push(`${label(i)}: symmetric weight holds -128`);
    }
  });

  // Per-op int8 rules, for ops that run on int8 activations.
  const params = (i: number): [number, bigint] | undefined => {
    const q = sg.tensors[i]?.quantization;
    return q?.scale?.length === 1 ? [q.scale[0]!, q.zeroPoint?.[0] ?? 0n] : undefined;
  };
  sg.operators.forEach((op, o) => {
    const rule = INT8_OP_RULES.get(opBuiltinCode(model, op));
    const out = op.outputs[0];
    if (!rule || out === undefined || sg.tensors[out]?.type !== TensorType.INT8) return;
    const name = `op ${o} (${opName(model, op)})`;
    const outP = params(out);
    if (rule.output.kind === 'fixed' && (outP?.[0] !== rule.output.scale || outP?.[1] !== BigInt(rule.output.zeroPoint))) {
      problems.push(`${name}: output must be scale ${rule.output.scale}, zero point ${rule.output.zeroPoint}`);
    }
    const act = op.inputs.find((t, slot) => t >= 0 && slot !== rule.weight?.input && slot !== rule.bias && sg.tensors[t]?.type === TensorType.INT8);
    if (rule.output.kind === 'same' && act !== undefined) {
      for (const t of op.outputs) {
        const p = params(t);
        const a = params(act);
        if (!p || !a || p[0] !== a[0] || p[1] !== a[1]) problems.push(`${name}: output ${label(t)} must share the input's params`);
      }
    }
    if (rule.inputsShareOutput) {
      for (const t of op.inputs) {
        const p = params(t);
        if (t >= 0 && (!p || !outP || p[0] !== outP[0] || p[1] !== outP[1])) problems.push(`${name}: input ${label(t)} must carry the output's params`);
      }
    }
    if (rule.bias !== undefined && rule.weight && (op.inputs[rule.bias] ?? -1) >= 0) {
      const bias = sg.tensors[op.inputs[rule.bias]!]!;
      const w = sg.tensors[op.inputs[rule.weight.input]!]?.quantization?.scale ?? [];
      const x = params(op.inputs[rule.activationInput ?? 0]!);
      const bs = bias.quantization?.scale ?? [];
      if (bias.type !== TensorType.INT32) problems.push(`${name}: bias is not int32`);
      else if (!x || bs.length !== w.length || bs.some((s, c) => s !== Math.fround(x[0] * w[c]!))) {
        problems.push(`${name}: bias scale must be input scale × weight scale`);
      }
    }
  });
  return problems;
}
