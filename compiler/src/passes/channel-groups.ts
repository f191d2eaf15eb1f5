/**
 * Channel groups: which activation tensors of a graph share one channel axis (NHWC: the last dim),
 * and who produces, follows and consumes those channels. Structured pruning removes the same
 * channel indices from every tensor of a group at once, so a group is the unit of pruning.
 *
 * Tensors are joined (union-find) through ops that keep channel c at index c: activations,
 * element-wise binaries (ADD of two branches forces both producers to drop the same channels),
 * pools, PAD, spatial MEAN/resize, depthwise conv with multiplier 1, reshapes that keep the last
 * dim, and concatenation along a non-channel axis. CONCATENATION along the channel axis makes a
 * "composite" group whose channels are its inputs' groups laid end to end. Any op whose channel
 * mixing we do not model blocks the groups it touches: being wrong there would silently change
 * the model's outputs, leaving a group unpruned never does.
 */
import type { Model, Operator, Subgraph } from '../ir/model.js';
import { elementSize } from '../ir/tensor-type.js';
import { BuiltinOperator as Op, builtinOpName } from '../tflite/builtin-ops.js';

const UNARY = new Set<number>([
  Op.FLOOR, Op.LOGISTIC, Op.RELU, Op.RELU_N1_TO_1, Op.RELU6, Op.TANH, Op.EXP, Op.NEG, Op.SQRT,
  Op.RSQRT, Op.SQUARE, Op.LEAKY_RELU, Op.ABS, Op.ELU, Op.QUANTIZE, Op.DEQUANTIZE, Op.HARD_SWISH,
  Op.GELU, Op.RELU_0_TO_1, Op.MAX_POOL_2D, Op.AVERAGE_POOL_2D, Op.L2_POOL_2D,
]);
const BINARY = new Set<number>([
  Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.MAXIMUM, Op.MINIMUM, Op.SQUARED_DIFFERENCE, Op.PRELU,
]);
const PADS = new Set<number>([Op.PAD, Op.PADV2, Op.MIRROR_PAD]);
const REDUCERS = new Set<number>([Op.MEAN, Op.SUM, Op.REDUCE_MAX]);
const RESIZES = new Set<number>([Op.RESIZE_BILINEAR, Op.RESIZE_NEAREST_NEIGHBOR]);

/**
 * A constant operand of an op: `tensor` is what the op reads, `constTensor` holds the data. They
 * differ when the constant is stored as fp16/int8 behind a DEQUANTIZE (MediaPipe models).
 */
export interface ConstRef {
  tensor: number;
  constTensor: number;
}

/** A layer whose output channels are the group's channels: its weight rows (axis 0) are ranked. */
export interface GroupProducer {
  op: number;
  /**
   * 'depthwise': a depthwise conv on a single input channel (its multiplier is its width);
   * 'transpose': TRANSPOSE_CONV, whose output_shape input names the channel count.
   */
  kind: 'conv' | 'fc' | 'depthwise' | 'transpose';
  weight: ConstRef;
  bias?: ConstRef;
  /** Axis of the weight that indexes output channels: 0 (conv, FC) or 3 (depthwise). */
  axis: 0 | 3;
}

/** Something inside the group that carries per-channel data and must be sliced along with it. */
export type GroupFollower =
  | { kind: 'depthwise'; op: number; weight: ConstRef; bias?: ConstRef }
  /** Constant operand of an element-wise op (bias add, per-channel scale, PRELU alpha): last axis. */
  | { kind: 'constant'; op: number; value: ConstRef }
  /** RESHAPE keeping the last dim: its target shape names the channel count. */
  | { kind: 'reshape'; op: number };

/** A layer reading the group's channels as its input features. */
export type GroupConsumer =
  /** CONV_2D / TRANSPOSE_CONV: filter input-channel axis 3. */
  | { kind: 'conv'; op: number; weight: ConstRef }
  /** FULLY_CONNECTED: feature column s*C + c for each of `spatial` positions. */
  | { kind: 'fc'; op: number; weight: ConstRef; spatial: number }
  /** RESHAPE flattening [N, ..., C] to [N, S*C] whose every reader is a FULLY_CONNECTED. */
  | { kind: 'flatten'; op: number; spatial: number; fcs: { op: number; weight: ConstRef }[] };

export interface ConcatPart {
  /** Group of the concatenated input. */
  group: number;
  offset: number;
  size: number;
}

export interface ChannelGroup {
  id: number;
  /** Channel count (last dim) shared by every tensor of the group; 0 when unknown. */
  channels: number;
  /** Activation tensors of the group, ascending. */
  tensors: number[];
  producers: GroupProducer[];
  followers: GroupFollower[];
  consumers: GroupConsumer[];
  /** Set when the group is the output of a channel-axis CONCATENATION. */
  concat?: { op: number; parts: ConcatPart[] };
  /**
   * Set when a PAD widens this group's channels into group `group` (channel i here is channel
   * offset+i there): this group keeps whatever that group keeps, it is never ranked on its own.
   */
  padInto?: { op: number; group: number; offset: number };
  /** Why the group's channels must stay as they are (undefined: they may be pruned). */
  blocked?: string;
}

export interface ChannelAnalysis {
  subgraph: number;
  groups: ChannelGroup[];
  /** Group id of each tensor that belongs to a group. */
  groupOf: Map<number, number>;
}

class UnionFind {
  private parent = new Map<number, number>();
  find(x: number): number {
    let root = x;
    for (let p = this.parent.get(root); p !== undefined && p !== root; p = this.parent.get(root)) root = p;
    if (!this.parent.has(x)) this.parent.set(x, x);
    // Path compression keeps repeated finds on long chains cheap.
    let cur = x;
    while (cur !== root) {
      const next = this.parent.get(cur)!;
      this.parent.set(cur, root);
      cur = next;
    }
    return root;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // The smaller index becomes the root so results do not depend on visiting order.
    if (ra !== rb) this.parent.set(Math.max(ra, rb), Math.min(ra, rb));
  }
  members(): number[] {
    return [...this.parent.keys()].sort((x, y) => x - y);
  }
}

/** Reads a builtin-options field written in either camelCase or the schema's snake_case. */
export function optionField(op: Operator, camel: string): number | number[] | undefined {
  const fields = op.builtinOptions?.fields;
  if (fields === undefined) return undefined;
  const snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const v = fields[camel] ?? fields[snake];
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
  return undefined;
}

/** Integer contents of a small constant int32/int64 tensor (axes, paddings, shapes). */
export function constInts(model: Model, sg: Subgraph, index: number): number[] | undefined {
  const t = sg.tensors[index];
  if (t === undefined) return undefined;
  const data = model.buffers[t.buffer]?.data;
  if (data === undefined || data.byteLength === 0) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: number[] = [];
  if (t.type === 2 /* INT32 */) for (let i = 0; i + 4 <= data.byteLength; i += 4) out.push(view.getInt32(i, true));
  else if (t.type === 4 /* INT64 */) for (let i = 0; i + 8 <= data.byteLength; i += 8) out.push(Number(view.getBigInt64(i, true)));
  else return undefined;
  return out;
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Builds the channel groups of one subgraph. */
export function analyzeChannels(model: Model, subgraphIndex = 0): ChannelAnalysis {
  const sg = model.subgraphs[subgraphIndex];
  if (sg === undefined) throw new Error(`no subgraph ${subgraphIndex}`);
  const { tensors, operators } = sg;

  const readers = new Map<number, number[]>(); // tensor → ops reading it (one entry per use)
  const writer = new Map<number, number>();
  operators.forEach((op, o) => {
    for (const t of op.inputs) if (t >= 0) readers.set(t, [...(readers.get(t) ?? []), o]);
    for (const t of op.outputs) writer.set(t, o);
  });
  const code = (o: number): number => model.operatorCodes[operators[o]!.opcodeIndex]?.builtinCode ?? -1;
  const shape = (t: number): number[] | undefined => tensors[t]?.shape;
  const lastDim = (t: number): number | undefined => {
    const s = shape(t);
    return s !== undefined && s.length > 0 ? s[s.length - 1] : undefined;
  };
  const hasData = (t: number): boolean => (model.buffers[tensors[t]?.buffer ?? 0]?.data.byteLength ?? 0) > 0;
  const onlyReader = (t: number, o: number): boolean => {
    const r = readers.get(t) ?? [];
    return r.length === 1 && r[0] === o;
  };

  /** Dense constant data we can slice element by element (no sub-byte or sparse storage). */
  const sliceable = (t: number): boolean => {
    const tensor = tensors[t]!;
    const size = elementSize(tensor.type);
    const bytes = model.buffers[tensor.buffer]?.data.byteLength ?? 0;
    return tensor.sparsity === undefined && size >= 1 && tensor.shape !== undefined && bytes === numel(tensor.shape) * size;
  };
  /** A constant operand read only by op `o` (possibly behind a single-use DEQUANTIZE). */
  const constOperand = (t: number | undefined, o: number): ConstRef | undefined => {
    if (t === undefined || t < 0 || tensors[t]?.sparsity !== undefined) return undefined;
    if (hasData(t)) return onlyReader(t, o) && sliceable(t) ? { tensor: t, constTensor: t } : undefined;
    const w = writer.get(t);
    if (w === undefined || code(w) !== Op.DEQUANTIZE || !onlyReader(t, o)) return undefined;
    const src = operators[w]!.inputs[0];
    if (src === undefined || src < 0 || !hasData(src) || !onlyReader(src, w) || !sliceable(src)) return undefined;
    return { tensor: t, constTensor: src };
  };
  /** Constant data in any form (even shared): such tensors never join a channel group. */
  const isConstant = (t: number): boolean => {
    if (hasData(t)) return true;
    const w = writer.get(t);
    return w !== undefined && code(w) === Op.DEQUANTIZE && hasData(operators[w]!.inputs[0] ?? -1);
  };

  const uf = new UnionFind();
  const blocks: { tensor: number; reason: string }[] = [];
  const producers: { tensor: number; p: GroupProducer }[] = [];
  const followers: { tensor: number; f: GroupFollower }[] = [];
  const consumers: { tensor: number; c: GroupConsumer }[] = [];
  const concats: { out: number; op: number; inputs: number[] }[] = [];
  const channelPads: { op: number; x: number; y: number; before: number }[] = [];
  const touch = (t: number): void => void uf.find(t);
  const block = (reason: string, ...ts: number[]): void => {
    for (const t of ts) if (t >= 0 && !isConstant(t)) { touch(t); blocks.push({ tensor: t, reason }); }
  };
  const blockOp = (o: number, reason: string): void => {
    const op = operators[o]!;
    block(reason, ...op.inputs, ...op.outputs);
  };

  operators.forEach((op, o) => {
    const c = code(o);
    const name = `op ${o} (${builtinOpName(c)})`;
    const x = op.inputs[0] ?? -1;
    const y = op.outputs[0] ?? -1;
    if (c === Op.DEQUANTIZE && x >= 0 && isConstant(x)) return; // a weight in disguise, handled by its reader
    if (c === Op.TRANSPOSE_CONV) {
      // Inputs: output_shape, weights [O,kH,kW,I], data, bias?.
      const [outShape = -1, , data = -1, biasIdx = -1] = op.inputs;
      const weight = constOperand(op.inputs[1], o);
      const bias = biasIdx >= 0 ? constOperand(biasIdx, o) : undefined;
      const ws = weight !== undefined ? shape(weight.tensor) : undefined;
      const shapeOk = outShape >= 0 && constInts(model, sg, outShape)?.length === 4 && onlyReader(outShape, o);
      if (!shapeOk || ws?.length !== 4 || (biasIdx >= 0 && bias === undefined) || data < 0 || isConstant(data) || op.outputs.length !== 1
        || ws[3] !== lastDim(data) || ws[0] !== lastDim(y)) {
        return blockOp(o, `${name}: weights not prunable`);
      }
      touch(data);
      touch(y);
      producers.push({ tensor: y, p: { op: o, kind: 'transpose', weight: weight!, ...(bias ? { bias } : {}), axis: 0 } });
      consumers.push({ tensor: data, c: { kind: 'conv', op: o, weight: weight! } });
      return;
    }
    if (BINARY.has(c)) {
      // Either operand may be the constant (converters emit MUL(const, x) as well as MUL(x, const)).
      const yc = lastDim(y);
      if (yc === undefined || op.inputs.length !== 2 || op.outputs.length !== 1 || op.inputs.every((t) => t < 0 || isConstant(t))) {
        return blockOp(o, `${name}: unsupported operands`);
      }
      for (const t of op.inputs) {
        const ts = shape(t);
        if (ts === undefined) return blockOp(o, `${name}: unknown operand shape`);
        const tc = ts.length > 0 ? ts[ts.length - 1] : 1;
        if (isConstant(t)) {
          if (numel(ts) === 1 || tc === 1) continue; // broadcast over channels: nothing to slice
          const value = constOperand(t, o);
          if (tc !== yc || value === undefined) return blockOp(o, `${name}: constant operand not sliceable`);
          followers.push({ tensor: y, f: { kind: 'constant', op: o, value } });
        } else if (tc === yc) uf.union(t, y);
        else if (tc !== 1) return blockOp(o, `${name}: operand broadcast along channels`);
      }
      touch(y);
      return;
    }

    if (op.outputs.length !== 1 || x < 0 || isConstant(x) || shape(x) === undefined || shape(y) === undefined) {
      return blockOp(o, `${name}: unsupported operands`);
    }
    const xs = shape(x)!;
    const ys = shape(y)!;
    const xc = lastDim(x);
    const yc = lastDim(y);

    if (c === Op.CONV_2D || c === Op.DEPTHWISE_CONV_2D) {
      const weight = constOperand(op.inputs[1], o);
      const biasIdx = op.inputs[2] ?? -1;
      const bias = biasIdx >= 0 ? constOperand(biasIdx, o) : undefined;
      const ws = weight !== undefined ? shape(weight.tensor) : undefined;
      if (ws === undefined || ws.length !== 4 || (biasIdx >= 0 && bias === undefined) || xs.length !== 4 || ys.length !== 4) {
        return blockOp(o, `${name}: weights not prunable`);
      }
      if (c === Op.CONV_2D) {
        if (ws[3] !== xc || ws[0] !== yc) return blockOp(o, `${name}: grouped or mis-shaped conv`);
        touch(x);
        touch(y);
        producers.push({ tensor: y, p: { op: o, kind: 'conv', weight: weight!, ...(bias ? { bias } : {}), axis: 0 } });
        consumers.push({ tensor: x, c: { kind: 'conv', op: o, weight: weight! } });
        return;
      }
      if (ws[0] !== 1 || ws[3] !== yc) return blockOp(o, `${name}: mis-shaped depthwise filter`);
      if (xc === 1 && yc !== 1) {
        // One input channel fanned out by the multiplier: each output channel has its own filter,
        // so the op is a producer whose multiplier shrinks with its output.
        touch(x);
        touch(y);
        producers.push({ tensor: y, p: { op: o, kind: 'depthwise', weight: weight!, ...(bias ? { bias } : {}), axis: 3 } });
        return;
      }
      // Depthwise with multiplier 1: output channel c is input channel c filtered on its own.
      if (xc !== yc) return blockOp(o, `${name}: depth multiplier != 1`);
      uf.union(x, y);
      followers.push({ tensor: y, f: { kind: 'depthwise', op: o, weight: weight!, ...(bias ? { bias } : {}) } });
      return;
    }

    if (c === Op.FULLY_CONNECTED) {
      const weight = constOperand(op.inputs[1], o);
      const biasIdx = op.inputs[2] ?? -1;
      const bias = biasIdx >= 0 ? constOperand(biasIdx, o) : undefined;
      const ws = weight !== undefined ? shape(weight.tensor) : undefined;
      const format = optionField(op, 'weightsFormat') ?? 0;
      if (ws === undefined || ws.length !== 2 || (biasIdx >= 0 && bias === undefined) || format !== 0 || xc === undefined) {
        return blockOp(o, `${name}: weights not prunable`);
      }
      const [outFeatures, inFeatures] = ws as [number, number];
      if (yc !== outFeatures) return blockOp(o, `${name}: output is not [.., units]`);
      touch(x);
      touch(y);
      producers.push({ tensor: y, p: { op: o, kind: 'fc', weight: weight!, ...(bias ? { bias } : {}), axis: 0 } });
      // FC flattens its input row-major to [-1, inFeatures]; channel c of position s is column s*C + c.
      const rows = numel(xs.slice(1));
      if (xc === inFeatures) consumers.push({ tensor: x, c: { kind: 'fc', op: o, weight: weight!, spatial: 1 } });
      else if (rows === inFeatures && inFeatures % xc === 0) {
        consumers.push({ tensor: x, c: { kind: 'fc', op: o, weight: weight!, spatial: inFeatures / xc } });
      } else block(`${name}: input does not flatten to the weights`, x);
      return;
    }

    if (UNARY.has(c)) {
      if (xc !== yc) return blockOp(o, `${name}: channel count changes`);
      uf.union(x, y);
      return;
    }

    if (PADS.has(c)) {
      const pads = constInts(model, sg, op.inputs[1] ?? -1);
      const rank = xs.length;
      if (pads === undefined || pads.length !== rank * 2 || pads.some((p) => p < 0)) return blockOp(o, `${name}: unknown paddings`);
      const [before, after] = [pads[2 * rank - 2]!, pads[2 * rank - 1]!];
      if (before === 0 && after === 0 && xc === yc) {
        uf.union(x, y);
        return;
      }
      // Zero channels padded around x (a widening residual shortcut): channel i of x is channel
      // before+i of y, so x's group follows y's. Mirror padding would copy channels instead.
      if (c === Op.MIRROR_PAD || xc === undefined || yc !== xc + before + after) return blockOp(o, `${name}: pads the channel axis`);
      touch(x);
      touch(y);
      channelPads.push({ op: o, x, y, before });
      return;
    }

    if (RESIZES.has(c)) {
      if (xc !== yc) return blockOp(o, `${name}: channel count changes`);
      uf.union(x, y);
      return;
    }

    if (REDUCERS.has(c)) {
      const axes = constInts(model, sg, op.inputs[1] ?? -1);
      const rank = xs.length;
      if (axes === undefined || axes.some((a) => (a + rank) % rank === rank - 1) || xc !== yc) {
        return blockOp(o, `${name}: reduces the channel axis`);
      }
      uf.union(x, y);
      return;
    }

    if (c === Op.RESHAPE || c === Op.SQUEEZE) {
      const shapeInput = c === Op.RESHAPE ? (op.inputs[1] ?? -1) : -1;
      const shapeOk = shapeInput < 0 || (constInts(model, sg, shapeInput) !== undefined && onlyReader(shapeInput, o));
      if (!shapeOk || xc === undefined) return blockOp(o, `${name}: target shape not constant`);
      if (xc === yc) {
        // Flat index mod C is unchanged, so every element keeps its channel.
        uf.union(x, y);
        if (c === Op.RESHAPE) followers.push({ tensor: y, f: { kind: 'reshape', op: o } });
        return;
      }
      // Flatten [N, ..., C] → [N, S*C] read only by FULLY_CONNECTED layers.
      const fcs: { op: number; weight: ConstRef }[] = [];
      const uses = readers.get(y) ?? [];
      const flat = ys.length === 2 && ys[0] === xs[0] && ys[1] === numel(xs.slice(1)) && !sg.outputs.includes(y);
      for (const r of flat ? uses : []) {
        const reader = operators[r]!;
        const weight = constOperand(reader.inputs[1], r);
        const ws = weight !== undefined ? shape(weight.tensor) : undefined;
        if (code(r) !== Op.FULLY_CONNECTED || reader.inputs[0] !== y || reader.inputs.indexOf(y) !== reader.inputs.lastIndexOf(y)) break;
        if (ws === undefined || ws.length !== 2 || ws[1] !== ys[1] || (optionField(reader, 'weightsFormat') ?? 0) !== 0) break;
        fcs.push({ op: r, weight: weight! });
      }
      if (!flat || uses.length === 0 || fcs.length !== uses.length) return blockOp(o, `${name}: reshape mixes channels`);
      touch(x);
      consumers.push({ tensor: x, c: { kind: 'flatten', op: o, spatial: ys[1]! / xc, fcs } });
      return;
    }

    if (c === Op.CONCATENATION) {
      const axisOpt = optionField(op, 'axis');
      const rank = ys.length;
      const axis = typeof axisOpt === 'number' ? (axisOpt + rank) % rank : -1;
      if (axis < 0 || op.inputs.some((t) => t < 0 || isConstant(t) || shape(t)?.length !== rank)) {
        return blockOp(o, `${name}: unsupported concatenation`);
      }
      if (axis !== rank - 1) {
        for (const t of op.inputs) {
          if (lastDim(t) !== yc) return blockOp(o, `${name}: unsupported concatenation`);
          uf.union(t, y);
        }
        return;
      }
      for (const t of op.inputs) touch(t);
      touch(y);
      concats.push({ out: y, op: o, inputs: [...op.inputs] });
      return;
    }

    blockOp(o, `${name}: channel mixing not modelled`);
  });

  for (const t of sg.inputs) block('graph input', t);
  for (const t of sg.outputs) block('graph output', t);
  for (const t of uf.members()) if (tensors[t]?.isVariable) block('variable tensor', t);

  // Number groups by their smallest tensor so ids are stable.
  const groupOf = new Map<number, number>();
  const groups: ChannelGroup[] = [];
  const byRoot = new Map<number, ChannelGroup>();
  for (const t of uf.members()) {
    const root = uf.find(t);
    let g = byRoot.get(root);
    if (g === undefined) {
      g = { id: groups.length, channels: lastDim(t) ?? 0, tensors: [], producers: [], followers: [], consumers: [] };
      byRoot.set(root, g);
      groups.push(g);
    }
    g.tensors.push(t);
    groupOf.set(t, g.id);
    const s = shape(t);
    if (s === undefined || s.length === 0 || lastDim(t) !== g.channels) g.blocked ??= `tensor ${t}: inconsistent channel dim`;
  }
  const groupFor = (t: number): ChannelGroup => groups[groupOf.get(t)!]!;
  for (const { tensor, reason } of blocks) groupFor(tensor).blocked ??= reason;
  for (const { tensor, p } of producers) groupFor(tensor).producers.push(p);
  for (const { tensor, f } of followers) groupFor(tensor).followers.push(f);
  for (const { tensor, c } of consumers) groupFor(tensor).consumers.push(c);
  for (const { out, op, inputs } of concats) {
    const g = groupFor(out);
    if (g.concat !== undefined || g.producers.length > 0) {
      g.blocked ??= `op ${op}: concatenation output merged with other channel sources`;
      continue;
    }
    let offset = 0;
    const parts: ConcatPart[] = [];
    for (const t of inputs) {
      const size = lastDim(t) ?? 0;
      parts.push({ group: groupOf.get(t)!, offset, size });
      offset += size;
    }
    g.concat = { op, parts };
    if (offset !== g.channels) g.blocked ??= `op ${op}: concatenation sizes do not add up`;
  }
  for (const { op, x, y, before } of channelPads) {
    const gin = groupFor(x);
    const gout = groupFor(y);
    if (gin === gout || gin.padInto !== undefined || gin.concat !== undefined) {
      const reason = `op ${op}: channel padding of a group that is already derived`;
      gin.blocked ??= reason;
      gout.blocked ??= reason;
      continue;
    }
    gin.padInto = { op, group: gout.id, offset: before };
  }
  // A derived group that must stay fixed pins what it derives from, and vice versa for padding.
  let changed = true;
  while (changed) {
    changed = false;
    for (const g of groups) {
      if (g.padInto !== undefined && g.blocked !== undefined && groups[g.padInto.group]!.blocked === undefined) {
        groups[g.padInto.group]!.blocked = `channel-padded from fixed group ${g.id}`;
        changed = true;
      }
      if (g.blocked === undefined || g.concat === undefined) continue;
      for (const part of g.concat.parts) {
        const pg = groups[part.group]!;
        if (pg.blocked === undefined) {
          pg.blocked = `part of fixed concatenation (group ${g.id})`;
          changed = true;
        }
      }
    }
  }
  return { subgraph: subgraphIndex, groups, groupOf };
}
