/**
 * The training phase of `optimize --auto --finetune N` (pure: training and measurement are injected,
 * so it runs without tfjs or LiteRT in tests). Deep Compression's iterative prune → retrain:
 *
 * 1. Start from the plan the search chose without training (round 0, on the original weights).
 * 2. Ramp: each round raises the sparsity of every layer the search pruned, and of every layer holding
 *    at least `rampShare` of the weights (its density × `densityFactor`, capped at `maxSparsity`), fine-tunes one epoch while the masks ramp from the old targets to the new
 *    ones (pruned weights stay pruned), and measures the result like the search's verdicts.
 * 3. A round that misses the budget gets one more epoch at the same targets (recover). When that misses
 *    too, the schedule goes back to the last model that met the budget and pushes only its largest layer
 *    (by non-zeros, where the bytes are); when that misses as well, or the epochs are spent, it stops.
 * 4. Clusters: on the best trained model, each layer (most non-zeros first) tries half its cluster count
 *    (32 when unclustered; down to `minClusters`); measured, no training.
 * The smallest measured model that met the budget is chosen (round 0 when no trained one did).
 *
 * With a time budget (`gate`), an epoch starts only when it and the measurement after it are predicted
 * to end in time (the first epoch, not measured yet, is watched as it runs: `train` returns undefined
 * when it gave up on it), and each cluster try only when its measurement fits; the rounds measured so
 * far stand.
 */
import type { Assignment, AutoLayer, Measurement } from './auto-search.js';
import { timed, type StepGate } from './time-budget.js';

export interface TrainOps<C> {
  /**
   * One epoch from `from`, each listed layer's sparsity ramping from `was` to `to` (by weight name);
   * undefined when the time budget made it give up midway (nothing of it is kept).
   */
  train(from: C, was: Readonly<Record<string, number>>, to: Readonly<Record<string, number>>, round: number): Promise<C | undefined>;
  /** The plan `layers` applied to `checkpoint`, judged on the verdict data. */
  measure(checkpoint: C, layers: Assignment): Promise<Measurement>;
}

export type RoundKind = 'search' | 'ramp' | 'recover' | 'focus' | 'clusters';

export interface TrainRound<C> extends Measurement {
  /** 0: the search's plan on the original weights; then in the order run. */
  round: number;
  kind: RoundKind;
  layers: Assignment;
  /** Epochs trained into this checkpoint so far. */
  epochs: number;
  /** Milliseconds of training for this round (0 for measure-only rounds). */
  trainMs: number;
  met: boolean;
  checkpoint: C;
}

export interface TrainScheduleOptions<C> {
  budget: number;
  /** Training epochs at most (one per ramp, recover or focus round). */
  epochs: number;
  /** Density kept per ramp round (0.6: 50 % → 70 % → 82 % → 89 % → 94 % sparsity). */
  densityFactor?: number;
  maxSparsity?: number;
  minClusters?: number;
  /** Measurements the cluster step may take. */
  clusterTries?: number;
  /** Layers with at least this share of the weights are ramped even when the search left them dense. */
  rampShare?: number;
  onRound?(r: TrainRound<C>): void;
  /** The time budget's deadline (time-budget.ts); without it every round runs. */
  gate?: StepGate;
}

export interface TrainScheduleResult<C> {
  rounds: TrainRound<C>[];
  chosen: TrainRound<C>;
}

const EPS = 1e-12;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** The next ramp targets: each named layer's density × factor, capped (unchanged layers keep theirs). */
export function rampTargets(layers: Assignment, names: readonly string[], densityFactor: number, maxSparsity: number): Assignment {
  const out: Assignment = { ...layers };
  for (const n of names) {
    const cur = layers[n] ?? { sparsity: 0, clusters: 0 };
    const raised = round3(Math.min(maxSparsity, 1 - (1 - cur.sparsity) * densityFactor));
    out[n] = { ...cur, sparsity: Math.max(cur.sparsity, raised) };
  }
  return out;
}

const sparsities = (a: Assignment): Record<string, number> => Object.fromEntries(Object.entries(a).filter(([, s]) => s.sparsity > 0).map(([n, s]) => [n, s.sparsity]));
const sameSparsity = (a: Assignment, b: Assignment): boolean => JSON.stringify(sparsities(a)) === JSON.stringify(sparsities(b));

export async function trainSchedule<C>(
  original: C,
  start: { layers: Assignment } & Measurement,
  layers: readonly AutoLayer[],
  ops: TrainOps<C>,
  o: TrainScheduleOptions<C>,
): Promise<TrainScheduleResult<C>> {
  const factor = o.densityFactor ?? 0.6;
  const maxSparsity = o.maxSparsity ?? 0.97;
  const minClusters = o.minClusters ?? 4;
  const met = (m: Measurement): boolean => m.loss <= o.budget + EPS;
  const rounds: TrainRound<C>[] = [];
  const add = (r: Omit<TrainRound<C>, 'round' | 'met'>): TrainRound<C> => {
    const full = { ...r, round: rounds.length, met: met(r) };
    rounds.push(full);
    o.onRound?.(full);
    return full;
  };
  add({ kind: 'search', layers: start.layers, epochs: 0, trainMs: 0, loss: start.loss, bytes: start.bytes, ...(start.ms !== undefined ? { ms: start.ms } : {}), checkpoint: original });

  const elements = new Map(layers.map((l) => [l.name, l.elements]));
  const all = layers.reduce((n, l) => n + l.elements, 0);
  // The layers the search pruned, and every large one (trained, a layer the search left dense, because
  // pruning it alone cost too much accuracy, can often be pruned hard: where the bytes are).
  const big = layers.filter((l) => l.elements >= (o.rampShare ?? 0.1) * all).map((l) => l.name);
  const pushed = [...new Set([...Object.keys(start.layers).filter((n) => start.layers[n]!.sparsity > 0), ...big])].sort();
  const nonZeros = (a: Assignment, n: string): number => (elements.get(n) ?? 0) * (1 - (a[n]?.sparsity ?? 0));
  const largest = (a: Assignment): string => [...pushed].sort((x, y) => nonZeros(a, y) - nonZeros(a, x) || (x < y ? -1 : 1))[0]!;

  let current = rounds[0]!; // the last model that met the budget
  let epochsLeft = o.epochs;
  let focus = false;
  const gate = o.gate;
  let outOfTime = false;
  /** A trained round, or undefined when the time budget left no room for it. */
  const trainRound = async (kind: RoundKind, from: TrainRound<C>, targets: Assignment): Promise<TrainRound<C> | undefined> => {
    if (gate && !gate.mayStart('training', ['epoch', 'trained-verdict'], `training round ${rounds.length} (${kind})`)) {
      outOfTime = true;
      return undefined;
    }
    const t0 = Date.now();
    const g0 = gate?.now() ?? 0;
    const checkpoint = await ops.train(from.checkpoint, sparsities(from.layers), sparsities(targets), rounds.length);
    if (checkpoint === undefined) {
      outOfTime = true;
      return undefined;
    }
    gate?.record('epoch', gate.now() - g0);
    const trainMs = Date.now() - t0;
    epochsLeft--;
    const m = await timed(gate, 'trained-verdict', () => ops.measure(checkpoint, targets));
    return add({ kind, layers: targets, epochs: from.epochs + 1, trainMs, ...m, checkpoint });
  };
  while (epochsLeft > 0 && pushed.length > 0 && !outOfTime) {
    const targets = rampTargets(current.layers, focus ? [largest(current.layers)] : pushed, factor, maxSparsity);
    if (sameSparsity(targets, current.layers)) break; // every pushed layer is at the cap
    let r = await trainRound(focus ? 'focus' : 'ramp', current, targets);
    if (!r) break;
    if (!r.met && epochsLeft > 0) r = (await trainRound('recover', r, targets)) ?? r;
    if (outOfTime) {
      if (r.met) current = r;
      break;
    }
    if (r.met) {
      current = r;
      continue;
    }
    if (focus || pushed.length === 1) break;
    focus = true;
  }

  // 4. Fewer clusters on the best trained model, no training.
  if (current.epochs > 0) {
    let tries = o.clusterTries ?? 4;
    const order = Object.keys(current.layers).sort((x, y) => nonZeros(current.layers, y) - nonZeros(current.layers, x) || (x < y ? -1 : 1));
    for (const n of order) {
      const k = current.layers[n]!.clusters;
      const fewer = k === 0 ? 32 : Math.floor(k / 2); // 0: int8's 256 levels
      if (tries <= 0) break;
      if (fewer < minClusters) continue;
      if (gate && !gate.mayStart('training', ['trained-verdict'], `cluster try on ${n}`)) break;
      const layersJ = { ...current.layers, [n]: { ...current.layers[n]!, clusters: fewer } };
      tries--;
      const m = await timed(gate, 'trained-verdict', () => ops.measure(current.checkpoint, layersJ));
      const r = add({ kind: 'clusters', layers: layersJ, epochs: current.epochs, trainMs: 0, ...m, checkpoint: current.checkpoint });
      if (r.met && r.bytes < current.bytes) current = r;
    }
  }
  let chosen = rounds[0]!;
  for (const r of rounds) if (r.met && (r.bytes < chosen.bytes || (r.bytes === chosen.bytes && r.loss < chosen.loss))) chosen = r;
  return { rounds, chosen };
}
