import { describe, expect, it } from 'vitest';
import { silentContext, type PassResult } from '../passes/pass.js';
import { pruneMagnitude } from '../passes/prune-magnitude.js';
import { quantizeFloat16 } from '../passes/quantize-float16.js';
import { weightNet, type LayerSpec } from '../testing/weight-nets.js';
import { formatTable, weightSparsity, type OptimizeReport } from './report.js';

const LAYERS: LayerSpec[] = [
  { op: 3, weightShape: [8, 3, 3, 8] },
  { op: 9, weightShape: [16, 36] },
];

describe('report', () => {
  for (const int8 of [false, true]) {
    it(`measures weight sparsity (${int8 ? 'int8' : 'float32'})`, () => {
      const net = weightNet(LAYERS, { int8 });
      // int8 rounding already leaves a few zeros; pruning counts them towards its target.
      const before = weightSparsity(net.model);
      expect(before).toBeLessThan(0.01);
      if (!int8) expect(before).toBe(0);
      const pruned = (pruneMagnitude.run(net.model, { sparsity: 0.75, minElements: 0, skipFirst: false, skipLast: false }, silentContext) as PassResult).model;
      expect(weightSparsity(pruned)).toBeCloseTo(0.75, 2);
    });
  }

  it('follows DEQUANTIZE to float16 weights', () => {
    const net = weightNet(LAYERS);
    const pruned = (pruneMagnitude.run(net.model, { sparsity: 0.5, minElements: 0, skipFirst: false, skipLast: false }, silentContext) as PassResult).model;
    const half = (quantizeFloat16.run(pruned, {}, silentContext) as PassResult).model;
    expect(weightSparsity(half)).toBeCloseTo(0.5, 12);
  });

  it('formats the before/after table and the verdict', () => {
    const stats = { bytes: 4000, params: 1000, weightSparsity: 0, macs: 5000 };
    const report: OptimizeReport = {
      mlshrinkReport: 1,
      model: 'm.tflite',
      ok: false,
      options: {},
      before: stats,
      after: { ...stats, bytes: 1000, weightSparsity: 0.5, packedBytes: 500 },
      accuracyDrop: 0.02,
      budget: { maxAccuracyDrop: 0.01, metric: 'accuracy', met: false },
      evaluation: { samples: 10, accuracyBefore: 0.9, accuracyAfter: 0.88, top1Agreement: 0.95, outputs: [{ sqnrDb: 20, cosine: 0.99, maxAbsError: 0.1 }] },
      passes: [],
      warnings: [],
    };
    const table = formatTable(report);
    expect(table).toMatch(/size \(bytes\)\s+4,000\s+1,000\s+-75\.0 %/);
    expect(table).toMatch(/packed \(bytes\)\s+500\s+-87\.5 %/);
    expect(table).toMatch(/weight sparsity\s+0\.0 %\s+50\.0 %/);
    expect(table).toMatch(/accuracy\s+90\.0 %\s+88\.0 %\s+-2\.00 pt/);
    expect(table).toMatch(/accuracy drop 2\.00 pt \(accuracy\), budget 1\.00 pt: NOT met/);
    expect(formatTable({ ...report, evaluation: undefined, budget: { maxAccuracyDrop: 0.01, metric: 'not-measured', met: true } })).toMatch(/accuracy not measured/);
  });
});
