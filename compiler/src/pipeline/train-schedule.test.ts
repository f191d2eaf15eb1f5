import { describe, expect, it } from 'vitest';
import type { Assignment, AutoLayer, Measurement } from './auto-search.js';
import { fakeLayerBytes } from '../testing/fake-layer-bytes.js';
import { Deadline } from './time-budget.js';
import { rampTargets, trainSchedule, type TrainOps } from './train-schedule.js';

/**
 * A fake trainable model. A checkpoint knows, per layer, the sparsity its weights were trained at and
 * for how many epochs. Pruning damage (sparsity³ × fragility) shrinks with each epoch trained at that
 * sparsity (÷ (1 + 3·epochs)); a layer pruned beyond what it was trained at takes the full damage.
 * Bytes: fakeLayerBytes.
 */
interface Ckpt {
  at: Record<string, { sparsity: number; epochs: number }>;
}
function fakeTraining(layers: (AutoLayer & { fragility: number })[], opts: { clusterDamage?: number } = {}) {
  const trains: { was: Record<string, number>; to: Record<string, number> }[] = [];
  const measure = async (c: Ckpt, a: Assignment): Promise<Measurement> => {
    let bytes = 0;
    let loss = 0;
    for (const l of layers) {
      const { setting: s, bytes: b } = fakeLayerBytes(l, a);
      bytes += b;
      const t = c.at[l.name];
      const recovered = t && t.sparsity >= s.sparsity ? 1 + 3 * t.epochs : 1;
      loss += (l.fragility * s.sparsity ** 3) / recovered + (s.clusters > 0 ? (opts.clusterDamage ?? 0) / s.clusters : 0);
    }
    return { loss, bytes: Math.round(bytes) };
  };
  const ops: TrainOps<Ckpt> = {
    train: async (from, was, to) => {
      trains.push({ was: { ...was }, to: { ...to } });
      const at: Ckpt['at'] = {};
      for (const l of layers) {
        const s = to[l.name] ?? 0;
        const prev = from.at[l.name];
        at[l.name] = { sparsity: s, epochs: prev && prev.sparsity === s ? prev.epochs + 1 : 1 };
      }
      return { at };
    },
    measure,
  };
  return { ops, trains, measure };
}

const LAYERS = [
  { name: 'fc1', elements: 200_000, fragility: 0.02 },
  { name: 'fc2', elements: 30_000, fragility: 0.04 },
  { name: 'fc3', elements: 1_000, fragility: 1 },
];
const ORIGINAL: Ckpt = { at: {} };

async function searchPoint(measure: (c: Ckpt, a: Assignment) => Promise<Measurement>, layers: Assignment): Promise<{ layers: Assignment } & Measurement> {
  return { layers, ...(await measure(ORIGINAL, layers)) };
}

describe('rampTargets', () => {
  it('keeps a share of each named layer\'s density, capped, and leaves the others alone', () => {
    const a = { x: { sparsity: 0.5, clusters: 8 }, y: { sparsity: 0.65, clusters: 4 } };
    expect(rampTargets(a, ['x'], 0.6, 0.97)).toEqual({ x: { sparsity: 0.7, clusters: 8 }, y: { sparsity: 0.65, clusters: 4 } });
    expect(rampTargets({ x: { sparsity: 0.96, clusters: 0 } }, ['x'], 0.6, 0.97).x!.sparsity).toBe(0.97);
    expect(rampTargets({}, ['z'], 0.6, 0.97)).toEqual({ z: { sparsity: 0.4, clusters: 0 } });
  });
});

describe('trainSchedule', () => {
  it('prunes well past the search\'s plan within the budget, keeping pruned weights pruned', async () => {
    const { ops, trains, measure } = fakeTraining(LAYERS);
    const start = await searchPoint(measure, { fc1: { sparsity: 0.5, clusters: 16 }, fc2: { sparsity: 0.5, clusters: 16 } });
    const r = await trainSchedule(ORIGINAL, start, LAYERS, ops, { budget: 0.01, epochs: 8 });
    expect(r.rounds[0]!.kind).toBe('search');
    expect(r.chosen.met).toBe(true);
    expect(r.chosen.loss).toBeLessThanOrEqual(0.01);
    expect(r.chosen.bytes).toBeLessThan(start.bytes / 2);
    expect(r.chosen.layers.fc1!.sparsity).toBeGreaterThanOrEqual(0.9);
    expect(r.chosen.layers.fc3).toBeUndefined(); // small and fragile: never pushed
    expect(trains.length).toBeLessThanOrEqual(8);
    // Every round starts its ramp where its checkpoint's targets were, and never lowers one.
    for (const t of trains) for (const [n, s] of Object.entries(t.was)) expect(t.to[n]).toBeGreaterThanOrEqual(s);
    // The chosen point is the smallest measured one within the budget.
    for (const p of r.rounds) if (p.met) expect(p.bytes).toBeGreaterThanOrEqual(r.chosen.bytes);
    expect(r.rounds.filter((p) => p.epochs > 0).every((p) => p.kind !== 'search')).toBe(true);
  });

  it('spends no more epochs than given, one per trained round', async () => {
    const { ops, trains, measure } = fakeTraining(LAYERS);
    const start = await searchPoint(measure, { fc1: { sparsity: 0.5, clusters: 0 } });
    const r = await trainSchedule(ORIGINAL, start, LAYERS, ops, { budget: 0.01, epochs: 2 });
    expect(trains).toHaveLength(2);
    expect(r.rounds.filter((p) => p.trainMs >= 0 && p.kind !== 'search' && p.kind !== 'clusters')).toHaveLength(2);
    expect(Math.max(...r.rounds.map((p) => p.epochs))).toBeLessThanOrEqual(2);
  });

  it('ramps a large layer the search left dense', async () => {
    const { ops, measure } = fakeTraining(LAYERS);
    const start = await searchPoint(measure, { fc2: { sparsity: 0.65, clusters: 0 } });
    const r = await trainSchedule(ORIGINAL, start, LAYERS, ops, { budget: 0.01, epochs: 4 });
    expect(r.chosen.layers.fc1!.sparsity).toBeGreaterThan(0.5);
  });

  it('recovers a missed round with one more epoch, then pushes only the largest layer, then stops', async () => {
    // fc2 cannot go past its search sparsity: any more costs 4 pt even trained.
    const layers = [LAYERS[0]!, { name: 'fc2', elements: 30_000, fragility: 0 }];
    const { ops, trains, measure } = fakeTraining(layers);
    const wrapped: TrainOps<Ckpt> = {
      ...ops,
      measure: async (c, a) => {
        const m = await measure(c, a);
        return { ...m, loss: m.loss + ((a.fc2?.sparsity ?? 0) > 0.5 ? 0.04 : 0) };
      },
    };
    const start = await searchPoint(measure, { fc1: { sparsity: 0.5, clusters: 0 }, fc2: { sparsity: 0.5, clusters: 0 } });
    const r = await trainSchedule(ORIGINAL, start, layers, wrapped, { budget: 0.01, epochs: 6 });
    expect(r.rounds.slice(1, 4).map((p) => p.kind)).toEqual(['ramp', 'recover', 'focus']);
    expect(r.rounds[1]!.met).toBe(false);
    expect(r.rounds[2]!.layers).toEqual(r.rounds[1]!.layers); // recovery trains at the same targets
    expect(trains[1]!.was).toEqual(trains[1]!.to);
    expect(r.rounds[3]!.layers.fc2!.sparsity).toBe(0.5); // focus: fc2 back at the last met setting
    expect(r.rounds[3]!.layers.fc1!.sparsity).toBe(0.7);
    expect(trains[2]!.was).toEqual({ fc1: 0.5, fc2: 0.5 }); // from the search's model again
    expect(r.chosen.layers.fc2!.sparsity).toBe(0.5);
    expect(r.chosen.layers.fc1!.sparsity).toBeGreaterThan(0.7);
    expect(trains).toHaveLength(6);
  });

  it('ships the search\'s plan when no trained round meets the budget', async () => {
    const { ops, measure } = fakeTraining(LAYERS);
    const wrapped: TrainOps<Ckpt> = { ...ops, measure: async (c, a) => ({ ...(await measure(c, a)), loss: c === ORIGINAL ? 0.005 : 0.5 }) };
    const start = await searchPoint(measure, { fc1: { sparsity: 0.5, clusters: 0 } });
    const r = await trainSchedule(ORIGINAL, { ...start, loss: 0.005 }, LAYERS, wrapped, { budget: 0.01, epochs: 4 });
    expect(r.chosen.round).toBe(0);
    expect(r.chosen.checkpoint).toBe(ORIGINAL);
    expect(r.rounds.some((p) => p.kind === 'clusters')).toBe(false); // nothing trained to try them on
  });

  it('halves cluster counts on the trained model while the budget holds', async () => {
    const { ops, measure } = fakeTraining(LAYERS, { clusterDamage: 0.016 });
    const start = await searchPoint(measure, { fc1: { sparsity: 0.5, clusters: 16 } });
    const r = await trainSchedule(ORIGINAL, start, LAYERS, ops, { budget: 0.01, epochs: 3, densityFactor: 0.9 });
    const clusterRounds = r.rounds.filter((p) => p.kind === 'clusters');
    expect(clusterRounds.length).toBeGreaterThan(0);
    expect(clusterRounds[0]!.layers.fc1!.clusters).toBe(8);
    expect(clusterRounds.every((p) => p.trainMs === 0)).toBe(true);
  });
});

describe('trainSchedule with a time budget (fake clock)', () => {
  const EPOCH_MS = 10_000;
  const MEASURE_MS = 1000;
  /** The fake training on a clock: an epoch of 10 batches takes EPOCH_MS, a measurement MEASURE_MS; the
   *  epoch asks the gate after each batch, as auto-train.ts does, and gives up when told to. */
  function onClock(budgetMs: number) {
    let t = 0;
    const base = fakeTraining(LAYERS);
    const deadline = new Deadline(budgetMs, () => t, 0, ['verdict']);
    deadline.record('verdict', MEASURE_MS); // the search's verdicts, measured before training
    const ops: TrainOps<Ckpt> = {
      train: async (from, was, to, round) => {
        const t0 = t;
        for (let b = 1; b <= 10; b++) {
          t += EPOCH_MS / 10;
          if (!deadline.onTrack('training', t0, b, 10, ['trained-verdict'], `round ${round}`)) return undefined;
        }
        return base.ops.train(from, was, to, round);
      },
      measure: async (c, a) => {
        t += MEASURE_MS;
        return base.measure(c, a);
      },
    };
    return { ops, trains: base.trains, measure: base.measure, deadline, now: () => t };
  }
  const plan = { fc1: { sparsity: 0.5, clusters: 16 }, fc2: { sparsity: 0.5, clusters: 16 } };
  const summary = (rounds: { kind: string; layers: Assignment; loss: number; bytes: number }[]) => rounds.map((r) => [r.kind, r.layers, r.loss, r.bytes]);

  it('changes nothing when the budget is not reached', async () => {
    const free = fakeTraining(LAYERS);
    const a = await trainSchedule(ORIGINAL, await searchPoint(free.measure, plan), LAYERS, free.ops, { budget: 0.01, epochs: 8 });
    const c = onClock(3_600_000);
    const b = await trainSchedule(ORIGINAL, await searchPoint(c.measure, plan), LAYERS, c.ops, { budget: 0.01, epochs: 8, gate: c.deadline });
    expect(summary(b.rounds)).toEqual(summary(a.rounds));
    expect(c.deadline.cuts).toEqual([]);
  });

  it('starts no epoch that would end past the deadline once epochs have been timed', async () => {
    // 1 s reserve; each round is 10 s of training + 1 s measuring: 3 rounds end at 33 s, a 4th would end at 44 s.
    const c = onClock(40_000);
    const r = await trainSchedule(ORIGINAL, await searchPoint(c.measure, plan), LAYERS, c.ops, { budget: 0.01, epochs: 8, gate: c.deadline });
    expect(c.trains).toHaveLength(3);
    expect(r.rounds.filter((x) => x.epochs > 0 && x.kind !== 'clusters')).toHaveLength(3);
    expect(c.deadline.cuts).toHaveLength(1);
    expect(c.deadline.cuts[0]).toMatchObject({ stage: 'training', atMs: 33_000 });
    expect(c.deadline.cuts[0]!.note).toContain('not started: predicted 11.0 s');
    // Cluster tries (1 s each) still fit in what is left, and they stop before the reserve.
    expect(r.rounds.some((x) => x.kind === 'clusters')).toBe(true);
    expect(c.now()).toBeLessThanOrEqual(40_000 - 1000);
    expect(r.chosen.met).toBe(true);
    for (const p of r.rounds) if (p.met) expect(p.bytes).toBeGreaterThanOrEqual(r.chosen.bytes);
  });

  it('gives up a first epoch whose pace will not fit and keeps the search\'s plan', async () => {
    // The first epoch (length unknown, so started) is on course, after its first batch, to end at 10 s;
    // with 1 s measuring and the 1 s reserve that is 12 s > 11.5 s: given up at 1 s, not at 11.5 s.
    const c = onClock(11_500);
    const start = await searchPoint(c.measure, plan);
    const r = await trainSchedule(ORIGINAL, start, LAYERS, c.ops, { budget: 0.01, epochs: 8, gate: c.deadline });
    expect(c.trains).toHaveLength(0); // no checkpoint came out of the abandoned epoch
    expect(r.rounds).toHaveLength(1);
    expect(r.chosen.round).toBe(0);
    expect(c.deadline.cuts[0]!.stage).toBe('training');
    expect(c.deadline.cuts[0]!.note).toMatch(/^round 1 abandoned at 10 %: predicted 10\.0 s more/);
    expect(c.now()).toBe(1000);
  });
});
