import { describe, expect, it } from 'vitest';
import { hasLayerPrecision, keptFloat, layerPlan, tailPlan, withKeptFloat } from './plan.js';

const base = { io: 'float' as const, cluster: 0, clusterGranularity: 'tensor' as const, restoreFp16: false };

describe('tailPlan', () => {
  it('clusters after int8 quantization and before float16 conversion', () => {
    expect(tailPlan({ ...base, quantize: 'int8', cluster: 16 }).steps.map((s) => s.pass)).toEqual(['quantize-int8', 'cluster-weights']);
    expect(tailPlan({ ...base, quantize: 'float16', cluster: 16 }).steps.map((s) => s.pass)).toEqual(['cluster-weights', 'quantize-float16']);
  });

  it('stores int weights as int4 last, after clustering, and only when they are integer', () => {
    expect(tailPlan({ ...base, quantize: 'int8', cluster: 8, weightBits: 4 }).steps.map((s) => s.pass)).toEqual(['quantize-int8', 'cluster-weights', 'quantize-int4']);
    expect(tailPlan({ ...base, quantize: 'dynamic', weightBits: 4 }).steps.map((s) => s.pass)).toEqual(['quantize-dynamic', 'quantize-int4']);
    expect(tailPlan({ ...base, quantize: 'float16', weightBits: 4 }).steps.map((s) => s.pass)).toEqual(['quantize-float16']);
    expect(tailPlan({ ...base, quantize: 'int8', weightBits: 8 }).steps.map((s) => s.pass)).toEqual(['quantize-int8']);
  });

  it('stores folded fp16 weights as float16 again when not quantizing', () => {
    expect(tailPlan({ ...base, quantize: 'none', restoreFp16: true }).steps).toEqual([{ pass: 'quantize-float16', reason: 'the input stored its weights as float16' }]);
    expect(tailPlan({ ...base, quantize: 'none' }).steps).toEqual([]);
  });

  it('withKeptFloat sets the kept ops and stores their weights as float16 right after quantizing', () => {
    const plan = tailPlan({ ...base, quantize: 'dynamic', cluster: 16 });
    expect(hasLayerPrecision(plan)).toBe(true);
    const mixed = withKeptFloat(plan, [7, 3, 7], ['w3', 'w7']);
    expect(keptFloat(mixed)).toEqual([3, 7]);
    expect(mixed.steps.map((s) => s.pass)).toEqual(['quantize-dynamic', 'quantize-float16', 'cluster-weights']);
    // Applying it again replaces, not stacks, the float16 step.
    expect(withKeptFloat(mixed, [3], ['w3']).steps.map((s) => s.pass)).toEqual(['quantize-dynamic', 'quantize-float16', 'cluster-weights']);
    expect(withKeptFloat(mixed, []).steps.map((s) => s.pass)).toEqual(['quantize-dynamic', 'cluster-weights']);
    expect(hasLayerPrecision(tailPlan({ ...base, quantize: 'float16' }))).toBe(false);
  });
});

describe('layerPlan', () => {
  const c = { io: 'float' as const, clusterGranularity: 'tensor' as const, restoreFp16: false };
  it('prunes per layer first and clusters per layer where the weights end up', () => {
    const layers = { b: { sparsity: 0.9, clusters: 4 }, a: { sparsity: 0, clusters: 16 }, c: { sparsity: 0.5, clusters: 0 } };
    expect(layerPlan({ ...c, quantize: 'int8' }, layers).steps).toEqual([
      { pass: 'prune-magnitude', perLayer: { b: 0.9, c: 0.5 } },
      { pass: 'quantize-int8', io: 'float', keepFloat: [] },
      { pass: 'cluster-weights', k: 0, granularity: 'tensor', perLayer: { a: 16, b: 4 } },
    ]);
    expect(layerPlan({ ...c, quantize: 'none' }, layers).steps.map((s) => s.pass)).toEqual(['prune-magnitude', 'cluster-weights']);
  });
  it('is the plain quantize step when no layer is changed', () => {
    expect(layerPlan({ ...c, quantize: 'int8' }, { a: { sparsity: 0, clusters: 0 } }).steps).toEqual([{ pass: 'quantize-int8', io: 'float', keepFloat: [] }]);
  });
});
