import { describe, expect, it } from 'vitest';
import { searchKeptLayers, type LayerCandidate } from './precision-search.js';

/** Layers with a made-up additive damage each; the loss of a kept-float set is the damage left. */
function model(damage: number[]): { candidates: LayerCandidate[]; measure: (keep: number[]) => Promise<number>; calls: () => number } {
  let calls = 0;
  const candidates = damage.map((_, i) => ({ op: i * 10, layer: `l${i}`, opName: 'CONV_2D', bytes: 100 + i }));
  const measure = async (keep: number[]): Promise<number> => {
    calls++;
    return damage.reduce((sum, d, i) => (keep.includes(i * 10) ? sum : sum + d), 0);
  };
  return { candidates, measure, calls: () => calls };
}

describe('searchKeptLayers', () => {
  it('keeps the most damaging layers float, no more than the budget needs', async () => {
    const m = model([0.01, 0.3, 0.02, 0.2, 0.005]);
    const base = await m.measure([]);
    const r = await searchKeptLayers(m.candidates, base, 0.05, m.measure, m.measure);
    expect(r.met).toBe(true);
    expect(r.keep).toEqual([10, 30]); // most damaging first // the 0.3 and 0.2 layers; 0.01 + 0.02 + 0.005 = 0.035 left
    expect(r.loss).toBeCloseTo(0.035, 10);
    expect(r.decisions.map((d) => d.layer)).toEqual(['l1', 'l3']);
    expect(r.decisions[0]!.bytes).toBe(101);
    expect(r.decisions[0]!.reason).toMatch(/kept float/);
    expect(r.sensitivity).toHaveLength(5);
  });

  it('a tighter budget keeps more; the prefix found is the smallest that holds', async () => {
    const m = model([0.01, 0.3, 0.02, 0.2, 0.005]);
    const r = await searchKeptLayers(m.candidates, 0.535, 0.012, m.measure, m.measure);
    expect(r.keep).toEqual([10, 30, 20, 0]); // 0.3, 0.2, 0.02, 0.01 kept: 0.005 left (three leave 0.015)
    expect(r.loss).toBeCloseTo(0.005, 10);
    // The all-float feasibility run, 5 sensitivity runs and a handful of search runs, not all 2^5 subsets.
    expect(r.measurements).toBeLessThanOrEqual(1 + 5 + 4);
  });

  it('reports unmet when even every layer float misses the budget', async () => {
    const damage = [0.1, 0.1];
    const m = model(damage);
    const floor = async (keep: number[]): Promise<number> => 0.5 + (await m.measure(keep));
    let sensitivityRuns = 0;
    const r = await searchKeptLayers(m.candidates, 0.7, 0.1, async (keep) => (sensitivityRuns++, floor(keep)), floor);
    expect(r.met).toBe(false);
    expect(r.keep).toEqual([]);
    expect(r.loss).toBeCloseTo(0.5, 10);
    // Decided by the one all-float run: no per-layer sensitivity runs spent on a search that cannot succeed.
    expect(r.measurements).toBe(1);
    expect(sensitivityRuns).toBe(0);
  });

  it('ranks by loss kept alone even when the quantized model gives inf/NaN: NaN-loss layers last', async () => {
    // The fully quantized model outputs inf (an epsilon lost before LOG): base loss Infinity. One layer
    // fixes it (finite loss), one changes nothing (Infinity), one makes it NaN; sorting by "gain"
    // (Infinity - x) put them in arbitrary order before.
    const losses = new Map<number, number>([[0, Infinity], [10, NaN], [20, 0.05], [30, Infinity]]);
    const candidates = [0, 10, 20, 30].map((op) => ({ op, layer: `l${op}`, opName: 'MAXIMUM', bytes: 4 }));
    const measure = async (keep: number[]): Promise<number> => (keep.includes(20) ? 0.05 : Infinity);
    const r = await searchKeptLayers(candidates, Infinity, 0.1, async (keep) => losses.get(keep[0]!)!, measure);
    expect(r.ranking[0]).toBe(20);
    expect(r.ranking[3]).toBe(10);
    expect(r.met).toBe(true);
    expect(r.keep).toEqual([20]);
  });

  // Held-out inputs see 1.5× the damage the searched inputs do (what calibration / search overfit looks like).
  const heldOutOf = (m: ReturnType<typeof model>) => async (keep: number[]): Promise<number> => 1.5 * (await m.measure(keep));

  it('without a margin the prefix that just meets the budget on the searched inputs misses it held out', async () => {
    const m = model([0.01, 0.3, 0.02, 0.2, 0.005]);
    const r = await searchKeptLayers(m.candidates, 0.535, 0.05, m.measure, m.measure);
    expect(r.keep).toEqual([10, 30]); // 0.035 searched
    expect(await heldOutOf(m)(r.keep)).toBeGreaterThan(0.05); // 0.0525 held out
  });

  it('with margins and a held-out check: the first margin whose prefix also meets the budget held out is chosen', async () => {
    const m = model([0.01, 0.3, 0.02, 0.2, 0.005]);
    const check = heldOutOf(m);
    // 0.6 × 0.05 = 0.03: three layers (0.015 searched, 0.0225 held out) meet it and pass the check.
    const r = await searchKeptLayers(m.candidates, 0.535, 0.05, m.measure, m.measure, undefined, { margins: [0.6], check });
    expect(r.met).toBe(true);
    expect(r.keep).toEqual([10, 30, 20]);
    expect(r.rounds).toEqual([{ target: 0.03, kept: 3, loss: expect.closeTo(0.015, 10), checkLoss: expect.closeTo(0.0225, 10) }]);
  });

  it('a prefix that misses the budget held out is not accepted: the next, tighter margin keeps more', async () => {
    const m = model([0.01, 0.3, 0.02, 0.2, 0.005]);
    const check = async (keep: number[]): Promise<number> => 3 * (await m.measure(keep));
    // margin 1 → [l1, l3] (0.035, held out 0.105 > 0.05); margin 0.3 → 0.015 target: 3 layers, held out 0.045 ≤ 0.05.
    const r = await searchKeptLayers(m.candidates, 0.535, 0.05, m.measure, m.measure, undefined, { margins: [1, 0.3], check });
    expect(r.met).toBe(true);
    expect(r.keep).toEqual([10, 30, 20]);
    expect(r.rounds.map((x) => [x.kept, x.checkLoss! > 0.05])).toEqual([[2, true], [3, false]]);
  });

  it('unmet when the prefix of every margin misses the budget held out', async () => {
    const m = model([0.01, 0.3, 0.02, 0.2, 0.005]);
    const check = async (keep: number[]): Promise<number> => 0.06 + (await m.measure(keep));
    const r = await searchKeptLayers(m.candidates, 0.535, 0.05, m.measure, m.measure, undefined, { margins: [0.5, 0.25], check });
    expect(r.met).toBe(false);
    expect(r.keep).toEqual([]);
    expect(r.rounds.every((x) => x.checkLoss! > 0.05)).toBe(true);
  });

  it('when no kept-float set reaches the first margin (pruning stays), the budget itself is tried, still checked held out', async () => {
    const m = model([0.1, 0.1]);
    const floor = async (keep: number[]): Promise<number> => 0.04 + (await m.measure(keep)); // 0.04 with all float
    const r = await searchKeptLayers(m.candidates, 0.24, 0.05, floor, floor, undefined, { margins: [0.5, 0.25], check: floor });
    expect(r.met).toBe(true);
    expect(r.keep).toHaveLength(2);
    expect(r.rounds.map((x) => [x.target, x.kept])).toEqual([[0.025, -1], [0.05, 2]]);
  });
});
