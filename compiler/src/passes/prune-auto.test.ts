import { describe, expect, it } from 'vitest';
import { compare, openFloatRunner, runAll, type EvalData } from '../eval/evaluate.js';
import type { Model } from '../ir/model.js';
import { prng } from '../util/prng.js';
import { syntheticConvChain } from '../testing/synthetic-convnet.js';
import { writeModel } from '../tflite/write.js';
import { silentContext, type PassResult } from './pass.js';
import { pruneAuto } from './prune-auto.js';

async function outputs(model: Model, data: EvalData): Promise<Float32Array[][]> {
  const r = await openFloatRunner({ bytes: writeModel(model), model });
  try {
    return await runAll(r, data.inputs);
  } finally {
    r.dispose();
  }
}

describe('prune-auto', () => {
  const model = syntheticConvChain();
  const rand = prng(5);
  const data: EvalData = { inputs: Array.from({ length: 30 }, () => Float32Array.from({ length: 784 }, () => rand())) };

  it('picks per-layer sparsities whose combined drop, re-measured in LiteRT, is within budget', async () => {
    const options = { data, maxAccuracyDrop: 0.1, maxRuns: 6, minElements: 0, skipFirst: false, skipLast: false };
    const result = (await pruneAuto.run(model, options, silentContext)) as PassResult;
    const ev = compare(await outputs(model, data), await outputs(result.model, data));
    expect(1 - ev.fidelity.top1Agreement).toBeLessThanOrEqual(0.1);
    expect(1 - ev.fidelity.top1Agreement).toBeCloseTo(result.stats.measuredDrop as number, 12);
    expect(result.stats.sparsity as number).toBeGreaterThan(0);
    expect(result.stats.liteRtEvaluations as number).toBeLessThanOrEqual(7); // maxRuns + the reference
    const chosen = Object.values(result.stats.chosenSparsity as Record<string, number>);
    expect(chosen.length).toBeGreaterThan(0);
    for (const c of chosen) expect([0.3, 0.5, 0.7, 0.8, 0.9]).toContain(c);

    // Deterministic.
    const again = (await pruneAuto.run(model, options, silentContext)) as PassResult;
    expect(writeModel(again.model)).toEqual(writeModel(result.model));
  });

  it('prunes nothing when no sparsity fits a zero budget with labels that the original gets right', async () => {
    const ref = await outputs(model, data);
    const labels = ref.map((o) => o[0]!.indexOf(Math.max(...o[0]!)));
    const result = (await pruneAuto.run(model, { data: { ...data, labels }, maxAccuracyDrop: 0, maxRuns: 6, candidates: [0.9] }, silentContext)) as PassResult;
    const ev = compare(ref, await outputs(result.model, data), labels);
    expect(ev.accuracyDrop).toBeLessThanOrEqual(0);
  });
});
