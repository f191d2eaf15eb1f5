import { describe, expect, it } from 'vitest';
import { fakeLayerBytes } from '../testing/fake-layer-bytes.js';
import { autoSearch, proposeMoves, type Assignment, type AutoLayer, type Measure } from './auto-search.js';
import { Deadline } from './time-budget.js';

/**
 * A fake model: bytes = fakeLayerBytes per layer; loss = Σ per-layer damage × `coupling` when several layers are
 * changed (losses that add up worse than alone, as pruning several layers does).
 */
function fakeModel(layers: (AutoLayer & { fragility: number })[], opts: { baseLoss?: number; coupling?: number } = {}): { measure: Measure; calls: { layers: Assignment; phase: string }[] } {
  const calls: { layers: Assignment; phase: string }[] = [];
  const measure: Measure = async (a, phase) => {
    calls.push({ layers: a, phase });
    let bytes = 0;
    let damage = 0;
    for (const l of layers) {
      const { setting: s, bytes: b } = fakeLayerBytes(l, a);
      bytes += b;
      damage += l.fragility * (s.sparsity ** 3 + (s.clusters > 0 ? 1 / s.clusters ** 2 : 0));
    }
    const changed = Object.keys(a).length;
    return { loss: (opts.baseLoss ?? 0) + damage * (changed > 1 ? (opts.coupling ?? 1) : 1), bytes: Math.round(bytes) };
  };
  return { measure, calls };
}

const LAYERS = [
  { name: 'fc1', elements: 200_000, fragility: 0.01 },
  { name: 'fc2', elements: 30_000, fragility: 0.05 },
  { name: 'conv1', elements: 500, fragility: 2 },
];

describe('autoSearch', () => {
  it('meets the budget with a smaller plan than a fixed flag set that also meets it', async () => {
    const { measure } = fakeModel(LAYERS);
    const r = await autoSearch(LAYERS, measure, { budget: 0.01 });
    expect(r.chosen).toBeDefined();
    expect(r.chosen!.loss).toBeLessThanOrEqual(0.01);
    const fixed = await measure({ fc1: { sparsity: 0.5, clusters: 16 }, fc2: { sparsity: 0.5, clusters: 16 } }, 'verdict');
    expect(fixed.loss).toBeLessThanOrEqual(0.01);
    expect(r.chosen!.bytes).toBeLessThan(fixed.bytes);
    // The sensitive small layer is left alone; the big robust one is compressed hardest.
    expect(r.chosen!.layers.conv1).toBeUndefined();
    expect(r.chosen!.layers.fc1!.sparsity).toBeGreaterThanOrEqual(0.9);
    // The chosen point is the smallest measured plan that met the budget.
    for (const p of r.plans) if (p.met) expect(p.bytes).toBeGreaterThanOrEqual(r.chosen!.bytes);
  });

  it('backs off when the whole plan loses more than its layers did alone', async () => {
    const coupled = fakeModel(LAYERS, { coupling: 3 });
    const r = await autoSearch(LAYERS, coupled.measure, { budget: 0.01 });
    const overshoot = r.plans.find((p) => p.moves > 0 && !p.met);
    expect(overshoot).toBeDefined(); // the prediction was wrong at least once …
    expect(overshoot!.predictedLoss).toBeLessThan(overshoot!.loss);
    expect(r.chosen!.met).toBe(true); // … and a shorter plan was measured to hold
    expect(r.chosen!.loss).toBeLessThanOrEqual(0.01);
    expect(r.chosen!.moves).toBeLessThan(Math.max(...r.plans.map((p) => p.moves)));
    // Leftover measurements went into single-layer switches of met plans, each plan measured once.
    expect(r.plans.length - 1).toBeLessThanOrEqual(12);
    const keys = r.plans.map((p) => JSON.stringify(Object.entries(p.layers).sort()));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('does not spend measurements on layers holding under half a percent of the weights', async () => {
    const { measure, calls } = fakeModel(LAYERS);
    await autoSearch(LAYERS, measure, { budget: 0.01 });
    expect(calls.some((c) => 'conv1' in c.layers)).toBe(false);
    const all = fakeModel(LAYERS);
    const r = await autoSearch(LAYERS, all.measure, { budget: 0.01, minShare: 0 });
    expect(r.sensitivity.some((p) => p.layer === 'conv1')).toBe(true);
  });

  it('measures only the base when the base already misses the budget', async () => {
    const { measure, calls } = fakeModel(LAYERS, { baseLoss: 0.02 });
    const r = await autoSearch(LAYERS, measure, { budget: 0.01 });
    expect(r.chosen).toBeUndefined();
    expect(calls).toEqual([{ layers: {}, phase: 'verdict' }]);
  });

  it('stays within its measurement limits and is deterministic', async () => {
    const a = fakeModel(LAYERS);
    const r = await autoSearch(LAYERS, a.measure, { budget: 0.01, maxSensitivity: 10, maxPlans: 3 });
    expect(a.calls.filter((c) => c.phase === 'sensitivity').length).toBe(11); // the base + 10
    expect(r.plans.length - 1).toBeLessThanOrEqual(3);
    // Largest layer first.
    expect(r.sensitivity[0]!.layer).toBe('fc1');
    const b = fakeModel(LAYERS);
    expect(await autoSearch(LAYERS, b.measure, { budget: 0.01, maxSensitivity: 10, maxPlans: 3 })).toEqual(r);
  });

  it('stops a sensitivity row at the first setting over twice the headroom and never goes further with fewer clusters', async () => {
    const fragile = [{ name: 'w', elements: 1000, fragility: 1 }];
    const { measure } = fakeModel(fragile);
    const r = await autoSearch(fragile, measure, { budget: 0.2 });
    // sparsity³ > 0.4 from 0.8 on: each row ends at 0.8, later rows end no later.
    const rows = new Map<number, number[]>();
    for (const p of r.sensitivity) rows.set(p.setting.clusters, [...(rows.get(p.setting.clusters) ?? []), p.setting.sparsity]);
    expect(rows.get(0)).toEqual([0.5, 0.65, 0.8]);
    for (const [, s] of rows) expect(Math.max(...s)).toBeLessThanOrEqual(0.8);
    // 1/k² > 0.4 only for k < 2: every cluster count gets a row.
    expect([...rows.keys()]).toEqual([0, 32, 16, 8, 4]);
  });
});

describe('autoSearch with a time budget (fake clock: each measurement advances it by a fixed time)', () => {
  const VERDICT_MS = 1000;
  const SENSITIVITY_MS = 200;
  /** The fake model on a clock: measurements take VERDICT_MS / SENSITIVITY_MS of fake time. */
  function onClock(reserve: number) {
    let t = 0;
    const model = fakeModel(LAYERS);
    const measure: Measure = async (a, phase) => {
      t += phase === 'verdict' ? VERDICT_MS : SENSITIVITY_MS;
      return model.measure(a, phase);
    };
    const deadline = (budgetMs: number): Deadline => new Deadline(budgetMs, () => t, 0, Array<'verdict'>(reserve).fill('verdict'));
    return { measure, calls: model.calls, deadline, now: () => t };
  }

  it('changes nothing when the budget is not reached', async () => {
    const free = await autoSearch(LAYERS, fakeModel(LAYERS).measure, { budget: 0.01 });
    const c = onClock(3);
    const d = c.deadline(3_600_000);
    expect(await autoSearch(LAYERS, c.measure, { budget: 0.01, gate: d })).toEqual(free);
    expect(d.cuts).toEqual([]);
  });

  it('cuts the sensitivity scan, measures plans while they fit, and never runs into the reserve', async () => {
    const full = onClock(3);
    const fullRun = await autoSearch(LAYERS, full.measure, { budget: 0.01, gate: full.deadline(3_600_000) });
    const c = onClock(3);
    // Base (1 s) + base sensitivity + 10 sensitivity (2.2 s) + plans: 12 s, with 3 s kept for the final steps.
    const d = c.deadline(12_000);
    const r = await autoSearch(LAYERS, c.measure, { budget: 0.01, gate: d });
    expect(r.sensitivity.length).toBeLessThan(fullRun.sensitivity.length);
    expect(r.sensitivity.length).toBeGreaterThan(0);
    expect(d.cuts.map((x) => x.stage)).toEqual(['sensitivity', 'plans']);
    // Every step started ended before the deadline less the reserve (the durations are exact here).
    expect(c.now()).toBeLessThanOrEqual(12_000 - 3 * VERDICT_MS);
    // The sensitivity scan stopped with time left for at least one plan verdict, which was measured.
    expect(r.plans.length).toBeGreaterThan(1);
    // What ships is still the smallest measured plan that met the budget.
    expect(r.chosen!.met).toBe(true);
    expect(r.chosen!.loss).toBeLessThanOrEqual(0.01);
    for (const p of r.plans) if (p.met) expect(p.bytes).toBeGreaterThanOrEqual(r.chosen!.bytes);
    expect(r.chosen!.bytes).toBeLessThan(r.base.bytes);
  });

  it('measures only the base when nothing else fits, and ships it when it meets the budget', async () => {
    const c = onClock(3);
    const d = c.deadline(4_500); // base 1 s + 3 s reserve: a sensitivity (≤ 1 s) and a verdict (1 s) do not fit
    const r = await autoSearch(LAYERS, c.measure, { budget: 0.01, gate: d });
    expect(c.calls).toEqual([{ layers: {}, phase: 'verdict' }]);
    expect(r.plans).toHaveLength(1);
    expect(r.chosen).toBe(r.base);
    expect(d.cuts).toHaveLength(1);
    expect(d.cuts[0]).toMatchObject({ stage: 'sensitivity', atMs: 1000 });
    expect(d.cuts[0]!.note).toContain('the sensitivity scan not started');
  });

  it('is deterministic for the same clock readings', async () => {
    const a = onClock(3);
    const b = onClock(3);
    expect(await autoSearch(LAYERS, a.measure, { budget: 0.01, gate: a.deadline(9_000) })).toEqual(await autoSearch(LAYERS, b.measure, { budget: 0.01, gate: b.deadline(9_000) }));
  });
});

describe('proposeMoves', () => {
  it('takes free savings first, then the most bytes per unit of loss', () => {
    const order = [{ name: 'a', elements: 10 }, { name: 'b', elements: 10 }];
    const base = { loss: 0, bytes: 1000 };
    const moves = proposeMoves(
      order,
      [
        { layer: 'a', setting: { sparsity: 0.5, clusters: 0 }, loss: 0.01, bytes: 900 }, // 100 B for 0.01 → 10k/unit
        { layer: 'b', setting: { sparsity: 0.5, clusters: 0 }, loss: 0.001, bytes: 950 }, // 50 B for 0.001 → 50k/unit
        { layer: 'b', setting: { sparsity: 0, clusters: 16 }, loss: -0.001, bytes: 980 }, // free (a gain is noise)
      ],
      base,
      base,
    );
    expect(moves.map((m) => [m.layer, m.to.sparsity, m.to.clusters])).toEqual([
      ['b', 0, 16],
      ['b', 0.5, 0],
      ['a', 0.5, 0],
    ]);
    expect(moves.map((m) => m.bytes)).toEqual([980, 950, 850]);
    expect(moves[2]!.loss).toBeCloseTo(0.011, 12);
  });
});
