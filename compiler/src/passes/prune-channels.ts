/**
 * Structured channel pruning: removes whole output channels of conv / FC layers (lowest filter
 * norm first) together with everything that carries those channels downstream, so the result is a
 * smaller dense model that any TFLite runtime runs as is, with fewer MACs.
 * See channel-groups.ts for which channels must be removed together.
 */
import type { Buffer, Model, Operator, Subgraph, Tensor } from '../ir/model.js';
import { countMacs, countParams } from '../ir/macs.js';
import { elementSize } from '../ir/tensor-type.js';
import { BuiltinOperator as Op } from '../tflite/builtin-ops.js';
import { analyzeChannels, constInts, type ChannelAnalysis, type ChannelGroup, type ConstRef } from './channel-groups.js';
import type { Pass, PassResult } from './pass.js';
import { realValues, sliceBytes, sliceQuantization } from './tensor-slice.js';

export interface PruneChannelsOptions {
  /** Fraction of the channels of every prunable group to remove, in [0, 1). */
  fraction: number;
  /** Channel ranking: sum of |w| (l1, default) or of w² (l2) over each output filter. */
  norm?: 'l1' | 'l2';
  /** Never shrink a group below this many channels (default 1). */
  minChannels?: number;
}

/** Kept channel indices (ascending) of each group that shrinks, by group id. */
export type ChannelPlan = Map<number, number[]>;

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** A group may be shrunk directly when nothing pins it and some layer computes its channels. */
export function isPrunable(g: ChannelGroup): boolean {
  return g.blocked === undefined && g.concat === undefined && g.padInto === undefined && g.producers.length > 0 && g.channels > 1;
}

/** Importance of each channel of a group: the summed norms of its producers' output filters. */
export function channelScores(model: Model, sg: Subgraph, g: ChannelGroup, norm: 'l1' | 'l2'): Float64Array {
  const scores = new Float64Array(g.channels);
  for (const p of g.producers) {
    const t = sg.tensors[p.weight.constTensor]!;
    const values = realValues(t, model.buffers[t.buffer]!.data);
    const row = values.length / g.channels;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      // Output channels index the outermost weight axis (conv, FC) or the innermost (depthwise).
      const c = p.axis === 0 ? Math.floor(i / row) : i % g.channels;
      scores[c]! += norm === 'l2' ? v * v : Math.abs(v);
    }
  }
  return scores;
}

/** Channel scores including those of groups channel-padded into this one (they share its fate). */
function groupScores(model: Model, sg: Subgraph, analysis: ChannelAnalysis, g: ChannelGroup, norm: 'l1' | 'l2'): Float64Array {
  const scores = channelScores(model, sg, g, norm);
  for (const h of analysis.groups) {
    if (h.padInto?.group !== g.id) continue;
    const inner = groupScores(model, sg, analysis, h, norm);
    inner.forEach((v, i) => (scores[h.padInto!.offset + i]! += v));
  }
  return scores;
}

/** Channel indices of `g` (shifted by `shift`) where a group padded into it starts or ends. */
function segmentBounds(analysis: ChannelAnalysis, g: ChannelGroup, shift: number): Set<number> {
  const bounds = new Set([shift, shift + g.channels]);
  for (const h of analysis.groups) {
    if (h.padInto?.group !== g.id) continue;
    for (const b of segmentBounds(analysis, h, shift + h.padInto.offset)) bounds.add(b);
  }
  return bounds;
}

/** Chooses the channels to keep in every prunable group, then derives concatenation groups. */
export function planChannelPruning(model: Model, analysis: ChannelAnalysis, options: PruneChannelsOptions): ChannelPlan {
  const { fraction, norm = 'l1', minChannels = 1 } = options;
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`channel fraction must be in [0, 1), got ${fraction}`);
  const sg = model.subgraphs[analysis.subgraph]!;
  const plan: ChannelPlan = new Map();
  for (const g of analysis.groups) {
    if (!isPrunable(g)) continue;
    let budget = Math.min(Math.floor(fraction * g.channels), g.channels - Math.max(1, minChannels));
    if (budget <= 0) continue;
    const scores = groupScores(model, sg, analysis, g, norm);
    // Channel-padded groups own a prefix/range of this group's channels; pruning each range by the
    // fraction shrinks every one of those groups alike instead of only the widest.
    const cuts = [...segmentBounds(analysis, g, 0)].sort((a, b) => a - b);
    const dropped = new Set<number>();
    for (let s = 0; s + 1 < cuts.length && budget > 0; s++) {
      const segment = range(cuts[s + 1]! - cuts[s]!).map((i) => cuts[s]! + i);
      const remove = Math.min(Math.floor(fraction * segment.length), budget);
      // Lowest score first; ties go to the lower index so the plan is deterministic.
      segment.sort((a, b) => scores[a]! - scores[b]! || a - b);
      for (const c of segment.slice(0, remove)) dropped.add(c);
      budget -= remove;
    }
    if (dropped.size === 0) continue;
    plan.set(g.id, range(g.channels).filter((c) => !dropped.has(c)));
  }
  return withDerivedGroups(analysis, plan);
}

/**
 * Adds the kept channels of every derived group: concatenations whose parts shrink, and groups
 * channel-padded into a group that shrinks.
 */
export function withDerivedGroups(analysis: ChannelAnalysis, plan: ChannelPlan): ChannelPlan {
  const out: ChannelPlan = new Map(plan);
  const resolve = (id: number): number[] | undefined => {
    if (out.has(id)) return out.get(id);
    const g = analysis.groups[id]!;
    if (g.blocked !== undefined) return undefined;
    const kept: number[] = [];
    if (g.concat !== undefined) {
      for (const part of g.concat.parts) {
        for (const k of resolve(part.group) ?? range(part.size)) kept.push(part.offset + k);
      }
    } else if (g.padInto !== undefined) {
      const { group, offset } = g.padInto;
      for (const k of resolve(group) ?? []) if (k >= offset && k < offset + g.channels) kept.push(k - offset);
      if (!out.has(group)) return undefined;
    } else return undefined;
    if (kept.length === g.channels) return undefined;
    out.set(id, kept);
    return kept;
  };
  for (const g of analysis.groups) resolve(g.id);
  return out;
}

type Edits = Map<number, Map<number, number[]>>;

/** Rewrites the model so that each planned group keeps only its listed channels. */
export function applyChannelPlan(model: Model, analysis: ChannelAnalysis, plan: ChannelPlan): Model {
  const sgIndex = analysis.subgraph;
  const sg = model.subgraphs[sgIndex]!;
  const edits: Edits = new Map();
  const addEdit = (t: number, axis: number, kept: number[]): void => {
    const axes = edits.get(t) ?? new Map<number, number[]>();
    const prev = axes.get(axis);
    if (prev !== undefined && prev.join() !== kept.join()) throw new Error(`tensor ${t}: conflicting channel edits on axis ${axis}`);
    axes.set(axis, kept);
    edits.set(t, axes);
  };
  const editConst = (ref: ConstRef, axis: number, kept: number[]): void => {
    addEdit(ref.tensor, axis, kept);
    if (ref.constTensor !== ref.tensor) addEdit(ref.constTensor, axis, kept);
  };
  const rank = (t: number): number => sg.tensors[t]!.shape!.length;
  // Target shapes to patch: op → [old last value, new last value].
  const shapeFixes = new Map<number, [number, number]>();
  // Depthwise producers whose depth_multiplier becomes their new width.
  const multiplierFixes = new Map<number, number>();
  // Channel paddings to rewrite: op → [before, after].
  const padFixes = new Map<number, [number, number]>();

  for (const [id, kept] of plan) {
    const g = analysis.groups[id]!;
    const n = g.channels;
    const columns = (spatial: number): number[] => range(spatial).flatMap((s) => kept.map((k) => s * n + k));
    for (const t of g.tensors) addEdit(t, rank(t) - 1, kept);
    for (const p of g.producers) {
      editConst(p.weight, p.axis, kept);
      if (p.bias) editConst(p.bias, 0, kept);
      if (p.kind === 'depthwise') multiplierFixes.set(p.op, kept.length);
      if (p.kind === 'transpose') shapeFixes.set(p.op, [n, kept.length]);
    }
    for (const h of analysis.groups) {
      if (h.padInto?.group !== id) continue;
      // The PAD keeps its zero channels that survive, before and after the padded group.
      const { op, offset } = h.padInto;
      padFixes.set(op, [kept.filter((k) => k < offset).length, kept.filter((k) => k >= offset + h.channels).length]);
    }
    for (const f of g.followers) {
      if (f.kind === 'depthwise') {
        editConst(f.weight, 3, kept);
        if (f.bias) editConst(f.bias, 0, kept);
      } else if (f.kind === 'constant') editConst(f.value, rank(f.value.tensor) - 1, kept);
      else shapeFixes.set(f.op, [n, kept.length]);
    }
    for (const c of g.consumers) {
      if (c.kind === 'conv') editConst(c.weight, 3, kept);
      else if (c.kind === 'fc') editConst(c.weight, 1, columns(c.spatial));
      else {
        const cols = columns(c.spatial);
        addEdit(sg.operators[c.op]!.outputs[0]!, 1, cols);
        for (const fc of c.fcs) editConst(fc.weight, 1, cols);
        shapeFixes.set(c.op, [c.spatial * n, cols.length]);
      }
    }
  }

  const buffers: Buffer[] = model.buffers.slice();
  const bufferUsers = new Map<number, number>();
  for (const s of model.subgraphs) for (const t of s.tensors) bufferUsers.set(t.buffer, (bufferUsers.get(t.buffer) ?? 0) + 1);
  // A buffer read by this tensor alone is replaced in place; a shared one gets a new sibling.
  const storeData = (t: Tensor, data: Uint8Array): number => {
    const external = buffers[t.buffer]?.external;
    const next: Buffer = external === undefined ? { data } : { data, external };
    if (bufferUsers.get(t.buffer) === 1) {
      buffers[t.buffer] = next;
      return t.buffer;
    }
    buffers.push(next);
    return buffers.length - 1;
  };

  const tensors = sg.tensors.slice();
  for (const [t, axes] of [...edits].sort((a, b) => a[0] - b[0])) {
    const src = tensors[t]!;
    const shape = [...src.shape!];
    const signature = src.shapeSignature ? [...src.shapeSignature] : undefined;
    let data = model.buffers[src.buffer]!.data;
    const hasData = data.byteLength > 0;
    let quantization = src.quantization;
    for (const [axis, kept] of [...axes].sort((a, b) => a[0] - b[0])) {
      if (hasData) data = sliceBytes(data, shape, elementSize(src.type), axis, kept);
      quantization = sliceQuantization(quantization, axis, kept, shape.length);
      shape[axis] = kept.length;
      if (signature !== undefined && signature[axis] !== -1) signature[axis] = kept.length;
    }
    const next: Tensor = { ...src, shape };
    if (signature !== undefined) next.shapeSignature = signature;
    if (quantization !== undefined) next.quantization = quantization;
    if (hasData) next.buffer = storeData(src, data);
    tensors[t] = next;
  }

  const operators = sg.operators.slice();
  for (const [o, [from, to]] of shapeFixes) {
    const op = operators[o]!;
    // RESHAPE reads its target shape from input 1, TRANSPOSE_CONV its output shape from input 0.
    const isTranspose = model.operatorCodes[op.opcodeIndex]?.builtinCode === Op.TRANSPOSE_CONV;
    const shapeInput = op.inputs[isTranspose ? 0 : 1] ?? -1;
    if (shapeInput >= 0) {
      const values = constInts(model, sg, shapeInput)!;
      if (values[values.length - 1] === from) {
        values[values.length - 1] = to;
        const src = tensors[shapeInput]!;
        tensors[shapeInput] = { ...src, buffer: storeData(src, intBytes(values, src.type === 4)) };
      }
    }
    operators[o] = patchNewShape(op, from, to);
  }

  for (const [o, multiplier] of multiplierFixes) {
    const op = operators[o]!;
    const fields = op.builtinOptions?.fields;
    if (fields === undefined) continue;
    const key = 'depth_multiplier' in fields ? 'depth_multiplier' : 'depthMultiplier';
    operators[o] = { ...op, builtinOptions: { ...op.builtinOptions!, fields: { ...fields, [key]: multiplier } } };
  }
  for (const [o, [before, after]] of padFixes) {
    const op = operators[o]!;
    const padsInput = op.inputs[1]!;
    const values = constInts(model, sg, padsInput)!;
    values[values.length - 2] = before;
    values[values.length - 1] = after;
    const src = tensors[padsInput]!;
    const readers = sg.operators.filter((other) => other.inputs.includes(padsInput)).length;
    const bytes = intBytes(values, src.type === 4);
    if (readers === 1) tensors[padsInput] = { ...src, buffer: storeData(src, bytes) };
    else {
      // Paddings shared with other PADs: this op gets its own copy.
      buffers.push({ data: bytes });
      tensors.push({ ...src, buffer: buffers.length - 1 });
      operators[o] = { ...op, inputs: op.inputs.map((t, k) => (k === 1 ? tensors.length - 1 : t)) };
    }
  }

  const subgraphs = model.subgraphs.slice();
  subgraphs[sgIndex] = { ...sg, tensors, operators };
  return { ...model, subgraphs, buffers };
}

function intBytes(values: number[], int64: boolean): Uint8Array {
  const bytes = new Uint8Array(values.length * (int64 ? 8 : 4));
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => (int64 ? view.setBigInt64(i * 8, BigInt(v), true) : view.setInt32(i * 4, v, true)));
  return bytes;
}

/** ReshapeOptions.new_shape mirrors the shape input; keep it in step. */
function patchNewShape(op: Operator, from: number, to: number): Operator {
  const fields = op.builtinOptions?.fields;
  if (fields === undefined) return op;
  const key = 'newShape' in fields ? 'newShape' : 'new_shape' in fields ? 'new_shape' : undefined;
  const value = key !== undefined ? fields[key] : undefined;
  if (key === undefined || !Array.isArray(value) || value.length === 0 || value[value.length - 1] !== from) return op;
  const next = [...(value as number[])];
  next[next.length - 1] = to;
  return { ...op, builtinOptions: { ...op.builtinOptions!, fields: { ...fields, [key]: next } } };
}

export const pruneChannels: Pass<PruneChannelsOptions> = {
  name: 'prune-channels',
  run(model: Model, options: PruneChannelsOptions, ctx): PassResult {
    const analysis = analyzeChannels(model, 0);
    const plan = planChannelPruning(model, analysis, options);
    const pruned = applyChannelPlan(model, analysis, plan);
    const prunable = analysis.groups.filter(isPrunable);
    let before = 0;
    let after = 0;
    // Channels computed by layers that may change: prunable groups and the groups derived from them.
    for (const g of analysis.groups.filter((h) => h.producers.length > 0 && h.blocked === undefined)) {
      before += g.channels;
      after += plan.get(g.id)?.length ?? g.channels;
    }
    const macsBefore = countMacs(model);
    const macsAfter = countMacs(pruned);
    ctx.log(`prune-channels: ${prunable.filter((g) => plan.has(g.id)).length} groups shrunk, ${before - after} of ${before} channels removed, MACs ${macsBefore} → ${macsAfter}`);
    // Why groups stay whole, by kind ("op 12 (SOFTMAX): ..." → "SOFTMAX: ..."), for the report.
    const blocked: Record<string, number> = {};
    for (const g of analysis.groups) {
      if (g.blocked === undefined || g.producers.length === 0) continue;
      const reason = g.blocked.replace(/^op \d+ \((\w+)\)/, '$1').replace(/group \d+/, 'group');
      blocked[reason] = (blocked[reason] ?? 0) + 1;
    }
    for (const [reason, n] of Object.entries(blocked)) ctx.log(`prune-channels: ${n} group(s) kept whole: ${reason}`);
    const warnings: string[] = [];
    if (options.fraction > 0 && prunable.length === 0) warnings.push('no channel group could be pruned safely; model left unchanged');
    return {
      model: pruned,
      stats: {
        channelGroups: analysis.groups.length,
        prunableGroups: prunable.length,
        prunedGroups: prunable.filter((g) => plan.has(g.id)).length,
        channelsBefore: before,
        channelsAfter: after,
        macsBefore,
        macsAfter,
        paramsBefore: countParams(model),
        paramsAfter: countParams(pruned),
        blockedGroups: blocked,
      },
      warnings,
    };
  },
};
