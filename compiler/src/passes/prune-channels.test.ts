import { describe, expect, it } from 'vitest';
import type { Model } from '../ir/model.js';
import { countMacs } from '../ir/macs.js';
import { shapeProblems } from '../testing/shape-invariants.js';
import { NetBuilder, syntheticConvChain, syntheticConvNet, syntheticPaddedResidual } from '../testing/synthetic-convnet.js';
import { analyzeChannels, constInts } from './channel-groups.js';
import { silentContext } from './pass.js';
import { applyChannelPlan, isPrunable, planChannelPruning, pruneChannels } from './prune-channels.js';
import { realValues } from './tensor-slice.js';

const values = (m: Model, t: number): Float64Array => {
  const tensor = m.subgraphs[0]!.tensors[t]!;
  return realValues(tensor, m.buffers[tensor.buffer]!.data);
};

/** A deep, buffer-copying snapshot to prove a pass left its input alone. */
const snapshot = (m: Model): string =>
  JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : typeof v === 'bigint' ? v.toString() : v));

describe('analyzeChannels', () => {
  const model = syntheticConvNet();
  const { groups, groupOf } = analyzeChannels(model);
  const sg = model.subgraphs[0]!;
  const groupOfOp = (o: number) => groups[groupOf.get(sg.operators[o]!.outputs[0]!)!]!;

  it('joins a residual ADD into one group with both producers and their followers', () => {
    const g = groupOfOp(0); // conv c1
    expect(g.channels).toBe(16);
    expect(g.producers.map((p) => p.op)).toEqual([0, 2]);
    expect(g.followers.map((f) => f.kind).sort()).toEqual(['constant', 'depthwise']);
    expect(g.consumers.map((c) => c.kind)).toEqual(['conv', 'conv', 'conv']);
    expect(isPrunable(g)).toBe(true);
  });

  it('models channel concatenation as a composite of its inputs', () => {
    const concatOp = sg.operators.findIndex((op) => model.operatorCodes[op.opcodeIndex]!.builtinCode === 2);
    const g = groupOfOp(concatOp);
    expect(g.concat?.parts.map((p) => [p.offset, p.size])).toEqual([[0, 12], [12, 8]]);
    expect(isPrunable(g)).toBe(false);
    expect(g.concat!.parts.every((p) => isPrunable(groups[p.group]!))).toBe(true);
  });

  it('blocks the graph input and the softmax logits, and flattening feeds the FC', () => {
    expect(groups[groupOf.get(sg.inputs[0]!)!]!.blocked).toBe('graph input');
    const softmaxIn = sg.operators.at(-1)!.inputs[0]!;
    expect(groups[groupOf.get(softmaxIn)!]!.blocked).toMatch(/SOFTMAX.*not modelled/);
    expect(groups.filter(isPrunable)).toHaveLength(6); // c1(+c2), c3, c4, c5(+SE expand), SE reduce, fc1
    expect(groups.some((g) => g.consumers.some((c) => c.kind === 'flatten'))).toBe(true);
  });

  it('blocks depthwise convs with a depth multiplier', () => {
    const b = new NetBuilder();
    const x = b.input([1, 4, 4, 2]);
    const c = b.conv(x, 4);
    const y = b.act([1, 4, 4, 8]);
    b.op(4, [c, b.constant([1, 3, 3, 8]), b.constant([8])], [y], { type: 'DepthwiseConv2DOptions', fields: { depthMultiplier: 2 } });
    b.output(b.conv(y, 2));
    const a = analyzeChannels(b.build());
    expect(a.groups[a.groupOf.get(c)!]!.blocked).toMatch(/multiplier/);
  });
});

describe('pruneChannels', () => {
  it('shrinks every prunable group by the fraction and leaves a consistent graph', async () => {
    const model = syntheticConvNet();
    const before = snapshot(model);
    const analysis = analyzeChannels(model);
    const plan = planChannelPruning(model, analysis, { fraction: 0.25 });
    const sizes = [...plan].map(([id, kept]) => [analysis.groups[id]!.channels, kept.length]);
    expect(sizes.sort((a, b) => a[0]! - b[0]!)).toEqual([[6, 5], [8, 6], [12, 9], [16, 12], [20, 15], [24, 18], [32, 24]]);

    const { model: pruned, stats } = await pruneChannels.run(model, { fraction: 0.25 }, silentContext);
    expect(snapshot(model)).toBe(before);
    expect(shapeProblems(pruned)).toEqual([]);
    expect(stats['prunedGroups']).toBe(6);
    expect(countMacs(pruned)).toBeLessThan(countMacs(model) * 0.7);

    // Reshape targets follow the flattened size.
    const sg = pruned.subgraphs[0]!;
    for (const op of sg.operators.filter((o) => pruned.operatorCodes[o.opcodeIndex]!.builtinCode === 22)) {
      expect(constInts(pruned, sg, op.inputs[1]!)).toEqual(sg.tensors[op.outputs[0]!]!.shape);
      expect(op.builtinOptions?.fields['newShape']).toEqual(sg.tensors[op.outputs[0]!]!.shape);
    }
  });

  it('keeps exactly the original slices of every weight', () => {
    const model = syntheticConvNet();
    const analysis = analyzeChannels(model);
    const plan = planChannelPruning(model, analysis, { fraction: 0.25 });
    const pruned = applyChannelPlan(model, analysis, plan);
    const sg = model.subgraphs[0]!;
    const c1 = analysis.groups[analysis.groupOf.get(sg.operators[0]!.outputs[0]!)!]!;
    const kept = plan.get(c1.id)!;
    // conv c1 [16,3,3,3] → rows `kept`; depthwise [1,3,3,16] → last axis `kept`; conv c2 [16,1,1,16] → both.
    const w1 = values(model, sg.operators[0]!.inputs[1]!);
    const p1 = values(pruned, sg.operators[0]!.inputs[1]!);
    kept.forEach((k, j) => expect(Array.from(p1.subarray(j * 27, (j + 1) * 27))).toEqual(Array.from(w1.subarray(k * 27, (k + 1) * 27))));
    const dw = values(model, sg.operators[1]!.inputs[1]!);
    const pdw = values(pruned, sg.operators[1]!.inputs[1]!);
    for (let s = 0; s < 9; s++) kept.forEach((k, j) => expect(pdw[s * kept.length + j]).toBe(dw[s * 16 + k]));
    const w2 = values(model, sg.operators[2]!.inputs[1]!);
    const p2 = values(pruned, sg.operators[2]!.inputs[1]!);
    kept.forEach((ko, jo) => kept.forEach((ki, ji) => expect(p2[jo * kept.length + ji]).toBe(w2[ko * 16 + ki])));
    const b2 = values(model, sg.operators[2]!.inputs[2]!);
    expect(Array.from(values(pruned, sg.operators[2]!.inputs[2]!))).toEqual(kept.map((k) => b2[k]));
  });

  it('maps flattened channels to FC columns h*W*C + w*C + c', () => {
    const model = syntheticConvChain();
    const analysis = analyzeChannels(model);
    const plan = planChannelPruning(model, analysis, { fraction: 0.25 });
    const pruned = applyChannelPlan(model, analysis, plan);
    const sg = model.subgraphs[0]!;
    const fcOp = sg.operators.findIndex((op) => model.operatorCodes[op.opcodeIndex]!.builtinCode === 9);
    const conv2 = analysis.groups.find((g) => g.channels === 32)!;
    const kept = plan.get(conv2.id)!;
    expect(kept).toHaveLength(24);
    const rows = plan.get(analysis.groups.find((g) => g.channels === 64)!.id)!; // the FC's own units shrink too
    const w = values(model, sg.operators[fcOp]!.inputs[1]!); // [64, 7*7*32]
    const pw = values(pruned, sg.operators[fcOp]!.inputs[1]!); // [48, 7*7*24]
    expect(pw.length).toBe(48 * 49 * 24);
    for (const r of [0, 17, 47]) {
      for (const s of [0, 1, 24, 48]) {
        kept.forEach((c, j) => expect(pw[r * 49 * 24 + s * 24 + j]).toBe(w[rows[r]! * 49 * 32 + s * 32 + c]));
      }
    }
    expect(shapeProblems(pruned)).toEqual([]);
  });

  it('cuts MACs of a conv chain by at least 20 % at 0.25, deterministically', async () => {
    const model = syntheticConvChain();
    const a = await pruneChannels.run(model, { fraction: 0.25, norm: 'l2' }, silentContext);
    const b = await pruneChannels.run(model, { fraction: 0.25, norm: 'l2' }, silentContext);
    expect(snapshot(a.model)).toBe(snapshot(b.model));
    expect(Number(a.stats['macsAfter'])).toBeLessThanOrEqual(0.8 * Number(a.stats['macsBefore']));
    expect(a.stats['paramsAfter']).toBeLessThan(Number(a.stats['paramsBefore']));
  });

  it('prunes channel-padded shortcuts range by range, shrinking the padding too', () => {
    const model = syntheticPaddedResidual();
    const analysis = analyzeChannels(model);
    const sizes = analysis.groups.filter((g) => g.producers.length > 0 && g.blocked === undefined).map((g) => [g.channels, g.padInto?.offset]);
    expect(sizes).toEqual([[8, 0], [12, 2], [16, undefined]]);
    const plan = planChannelPruning(model, analysis, { fraction: 0.25 });
    const kept = (channels: number): number[] => plan.get(analysis.groups.find((g) => g.channels === channels && g.producers.length > 0)!.id)!;
    // 16 = [0,2) pad + [2,10) first block + [10,14) its padding + [14,16) pad: 0+2+1+0 removed.
    expect(kept(16)).toHaveLength(13);
    expect(kept(12)).toEqual(kept(16).filter((k) => k >= 2 && k < 14).map((k) => k - 2));
    expect(kept(8)).toEqual(kept(12).filter((k) => k < 8));
    expect(kept(8)).toHaveLength(6);
    const pruned = applyChannelPlan(model, analysis, plan);
    expect(shapeProblems(pruned)).toEqual([]);
    const sg = pruned.subgraphs[0]!;
    const pads = sg.operators.filter((op) => pruned.operatorCodes[op.opcodeIndex]!.builtinCode === 34).map((op) => constInts(pruned, sg, op.inputs[1]!)!.slice(-2));
    expect(pads).toEqual([[0, 3], [kept(16).filter((k) => k < 2).length, kept(16).filter((k) => k >= 14).length]]);
  });

  it('prunes a depthwise conv fanning out one input channel, and its multiplier', () => {
    const b = new NetBuilder();
    const x = b.input([1, 6, 6, 1]);
    const y = b.act([1, 6, 6, 6]);
    const w = b.constant([1, 3, 3, 6]);
    b.op(4, [x, w, b.constant([6])], [y], { type: 'DepthwiseConv2DOptions', fields: { padding: 0, strideW: 1, strideH: 1, depthMultiplier: 6 } });
    b.output(b.conv(y, 2));
    const model = b.build();
    const analysis = analyzeChannels(model);
    expect(analysis.groups[analysis.groupOf.get(y)!]!.producers.map((p) => [p.kind, p.axis])).toEqual([['depthwise', 3]]);
    const plan = planChannelPruning(model, analysis, { fraction: 0.5 });
    const kept = plan.get(analysis.groupOf.get(y)!)!;
    expect(kept).toHaveLength(3);
    // The L1 ranking reads output channels from the last weight axis.
    const wv = values(model, w);
    const norms = [0, 1, 2, 3, 4, 5].map((c) => [0, 1, 2, 3, 4, 5, 6, 7, 8].reduce((a, s) => a + Math.abs(wv[s * 6 + c]!), 0));
    const best = [0, 1, 2, 3, 4, 5].sort((a, c) => norms[c]! - norms[a]!).slice(0, 3).sort();
    expect(kept).toEqual(best);
    const pruned = applyChannelPlan(model, analysis, plan);
    expect(shapeProblems(pruned)).toEqual([]);
    expect(pruned.subgraphs[0]!.operators[0]!.builtinOptions?.fields['depthMultiplier']).toBe(3);
  });

  it('removes the lowest-norm channels and honours minChannels', () => {
    const b = new NetBuilder();
    const x = b.input([1, 4, 4, 1]);
    const y = b.act([1, 4, 4, 4]);
    // Filter norms per output channel: 3, 1, 4, 2 (L1).
    const w = new Float32Array([3, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    b.op(3, [x, b.constant([4, 3, 3, 1], w), b.constant([4])], [y], { type: 'Conv2DOptions', fields: { padding: 0, strideW: 1, strideH: 1 } });
    b.output(b.conv(y, 2));
    const m = b.build();
    const a = analyzeChannels(m);
    const id = a.groupOf.get(y)!;
    expect(planChannelPruning(m, a, { fraction: 0.5 }).get(id)).toEqual([0, 2]);
    expect(planChannelPruning(m, a, { fraction: 0.75, minChannels: 3 }).get(id)).toEqual([0, 2, 3]);
    expect(planChannelPruning(m, a, { fraction: 0 }).has(id)).toBe(false);
    expect(() => planChannelPruning(m, a, { fraction: 1 })).toThrow(RangeError);
  });
});

describe('pruneChannels stats', () => {
  it('reports why groups with producers stay whole', async () => {
    const { stats } = await pruneChannels.run(syntheticConvNet(), { fraction: 0.25 }, silentContext);
    expect(stats['blockedGroups']).toEqual({ 'SOFTMAX: channel mixing not modelled': 1 });
  });
});
