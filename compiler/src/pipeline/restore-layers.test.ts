import { describe, expect, it } from 'vitest';
import { tensorData } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import { silentContext, type PassResult } from '../passes/pass.js';
import { pruneMagnitude } from '../passes/prune-magnitude.js';
import { weightNet, type LayerSpec } from '../testing/weight-nets.js';
import { readModel } from '../tflite/read.js';
import { writeModel } from '../tflite/write.js';
import { tailPlan } from './plan.js';
import { restoreCandidates, withRestoredWeights, withUnclustered } from './restore-layers.js';

const LAYERS: LayerSpec[] = [
  { op: 3, weightShape: [4, 3, 3, 2] }, // 72 weights: under cluster-weights' 256-element floor
  { op: 3, weightShape: [16, 3, 3, 4] },
  { op: 9, weightShape: [32, 144] },
];

const zeros = (m: Model, name: string): number => {
  const t = m.subgraphs[0]!.tensors.find((x) => x.name === name)!;
  return (tensorData(m, t) as Float32Array).filter((v) => v === 0).length;
};

describe('restore-layers: what a layer gets back', () => {
  const original = readModel(writeModel(weightNet(LAYERS).model));
  // Only the last two layers pruned (skipFirst), as a user's --prune 0.5 does by default.
  const pruned = (pruneMagnitude.run(original, { sparsity: 0.5, minElements: 0, skipFirst: true, skipLast: false }, silentContext) as PassResult).model;
  const names = (cs: { weight?: string }[]): string[] => cs.map((c) => c.weight!);

  it('candidates: the layers pruning changed, plus those the plan clusters', () => {
    const noCluster = restoreCandidates(original, pruned, tailPlan({ quantize: 'int8', io: 'float', cluster: 0, clusterGranularity: 'tensor', restoreFp16: false }));
    expect(noCluster.map((c) => c.opName)).toEqual(['CONV_2D', 'FULLY_CONNECTED']);
    expect(noCluster.map((c) => c.bytes)).toEqual([576, 4608]);
    // Clustering alone (nothing pruned): the layers cluster-weights takes, ≥ 256 weights.
    const clusterOnly = restoreCandidates(original, original, tailPlan({ quantize: 'int8', io: 'float', cluster: 16, clusterGranularity: 'tensor', restoreFp16: false }));
    expect(names(clusterOnly)).toEqual(names(noCluster));
    expect(restoreCandidates(original, original, tailPlan({ quantize: 'int8', io: 'float', cluster: 0, clusterGranularity: 'tensor', restoreFp16: false }))).toEqual([]);
  });

  it('restored weights are the unpruned ones, for the named layers only', () => {
    const [conv, fc] = names(restoreCandidates(original, pruned, { steps: [] }));
    expect(zeros(pruned, conv!)).toBe(288);
    const back = withRestoredWeights(original, pruned, new Set([fc!]));
    expect(zeros(back, fc!)).toBe(zeros(original, fc!));
    expect(zeros(back, conv!)).toBe(288);
    expect(zeros(pruned, fc!)).toBe(2304); // the input is not changed
    expect(withRestoredWeights(original, pruned, new Set())).toBe(pruned);
  });

  it('unclustered: cluster count 0 for the named weights, other steps and layers untouched', () => {
    const plan = tailPlan({ quantize: 'int8', io: 'float', cluster: 16, clusterGranularity: 'tensor', restoreFp16: false });
    expect(withUnclustered(plan, ['a', 'b'])).toEqual({
      steps: [{ pass: 'quantize-int8', io: 'float', keepFloat: [] }, { pass: 'cluster-weights', k: 16, granularity: 'tensor', perLayer: { a: 0, b: 0 } }],
    });
    expect(withUnclustered({ steps: [{ pass: 'cluster-weights', k: 0, granularity: 'tensor', perLayer: { a: 4, c: 8 } }] }, ['a'])).toEqual({
      steps: [{ pass: 'cluster-weights', k: 0, granularity: 'tensor', perLayer: { a: 0, c: 8 } }],
    });
    expect(withUnclustered(plan, [])).toBe(plan);
  });
});
