/**
 * Mixed-precision search strategy (pure; the measurements are injected, so it is testable without
 * LiteRT). Sensitivity: with every layer quantized the worst output loses `baseLoss`; keeping one
 * layer float at a time shows what each layer costs (one measurement per layer). Layers are then
 * kept float in order of that gain until the budget holds: the smallest prefix is found by
 * doubling and bisection (a few more measurements), so the model stays as small as possible.
 *
 * That prefix just meets the budget on the inputs searched, so on other inputs it may not: with a
 * `check` (held-out inputs), the search aims at a fraction of the budget (`margins`, tightest last)
 * and a prefix is accepted only when the check also meets the budget; otherwise the next, tighter
 * margin is searched, reusing the ranking and the measurements already made.
 */
import { withinBudget } from './within-budget.js';

export interface LayerCandidate {
  /** Subgraph-0 op index in the model the quantize step receives. */
  op: number;
  /** Output tensor name, the layer's name in reports. */
  layer: string;
  opName: string;
  /** Bytes the layer's weights cost more when kept float instead of quantized. */
  bytes: number;
  /** Name of its constant weight tensor, when it has one. */
  weight?: string;
}

export interface PrecisionDecision {
  layer: string;
  op: string;
  opIndex: number;
  /** Worst-output loss with only this layer kept float (vs `baseLoss` with none). */
  lossWhenAloneFloat: number;
  reason: string;
  bytes: number;
}

export interface PrecisionSearch {
  /** Op indices kept float (empty when even all of them do not meet the budget). */
  keep: number[];
  decisions: PrecisionDecision[];
  /** Loss of the chosen set on the search's measurement, or of all candidates kept float when unmet. */
  loss: number;
  met: boolean;
  measurements: number;
  /** Candidate layers (every one kept float is the most the search can do). */
  candidates: number;
  /** Every candidate's loss when kept float alone, in candidate order (empty when all of them kept float missed the budget). */
  sensitivity: { layer: string; lossWhenAloneFloat: number }[];
  /** All candidates' op indices, most damaging first (what `keep` is a prefix of). */
  ranking: number[];
  /** Each target searched: its loss bound, the prefix found (-1: none), its loss and the held-out check's. */
  rounds: SearchRound[];
}

export interface SearchRound {
  target: number;
  kept: number;
  loss: number;
  checkLoss?: number;
}

export interface SearchTargets {
  /** Fractions of the budget the search aims at on its own inputs, in the order tried. */
  margins: readonly number[];
  /** Loss of a kept-float set on held-out inputs, which must meet the budget itself. */
  check?: Measure;
}

export type Measure = (keepFloat: number[]) => Promise<number>;

export async function searchKeptLayers(
  candidates: readonly LayerCandidate[],
  baseLoss: number,
  budget: number,
  measureSensitivity: Measure,
  measure: Measure,
  onProgress?: (done: number, total: number) => void,
  targets: SearchTargets = { margins: [1] },
  /** How decisions read: the state of every layer before, and what the search does to one. */
  wording: { base: string; alone: string } = { base: 'every layer quantized', alone: 'this layer kept float' },
): Promise<PrecisionSearch> {
  let measurements = 0;
  // Feasibility first: when even every candidate kept float misses the budget (pruning and clustering
  // stay), no subset can meet it, so the per-layer sensitivity runs (one per layer: 293 LiteRT runs
  // of 11 inputs on pose landmark heavy, over 20 minutes) would be spent for nothing.
  const allFloat = candidates.length > 0 ? await measure(candidates.map((c) => c.op)) : baseLoss;
  measurements += candidates.length > 0 ? 1 : 0;
  if (!withinBudget(allFloat, budget)) {
    return { keep: [], decisions: [], loss: allFloat, met: false, measurements, candidates: candidates.length, sensitivity: [], ranking: [], rounds: [{ target: budget, kept: -1, loss: allFloat }] };
  }
  const alone: number[] = [];
  for (const c of candidates) {
    alone.push(await measureSensitivity([c.op]));
    measurements++;
    onProgress?.(alone.length, candidates.length);
  }
  // Most damaging first: the lowest loss when kept float alone (the largest gain over baseLoss, also
  // when baseLoss is Infinity or NaN, where a gain is not a number); a NaN loss ranks last, as no gain.
  // Cheaper layers first on ties.
  const order = candidates.map((c, i) => ({ c, loss: alone[i]! }));
  order.sort((a, b) => compareLoss(a.loss, b.loss) || a.c.bytes - b.c.bytes || a.c.op - b.c.op);
  const prefix = (k: number): number[] => order.slice(0, k).map((o) => o.c.op);
  const sensitivity = candidates.map((c, i) => ({ layer: c.layer, lossWhenAloneFloat: alone[i]! }));

  const tried = new Map<number, number>([[candidates.length, allFloat]]);
  const lossOf = async (k: number): Promise<number> => {
    let l = tried.get(k);
    if (l === undefined) {
      l = await measure(prefix(k));
      measurements++;
      tried.set(k, l);
    }
    return l;
  };
  const n = order.length;
  const ranking = prefix(n);
  /** The smallest prefix within `bound` (doubling, then bisection), or -1. */
  const smallest = async (bound: number): Promise<number> => {
    let lo = 0; // known to miss (baseLoss > budget ≥ bound)
    let hi = -1;
    for (let k = 1; k <= n; k = k === n ? n + 1 : Math.min(n, k * 2)) {
      if (withinBudget(await lossOf(k), bound)) {
        hi = k;
        break;
      }
      lo = k;
    }
    if (hi < 0) return -1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (withinBudget(await lossOf(mid), bound)) hi = mid;
      else lo = mid;
    }
    return hi;
  };
  const rounds: SearchRound[] = [];
  const checked = new Map<number, number>();
  const unmet = (): PrecisionSearch => ({ keep: [], decisions: [], loss: tried.get(n) ?? baseLoss, met: false, measurements, candidates: n, sensitivity, ranking, rounds });
  const margins = [...targets.margins];
  for (let r = 0; r < margins.length; r++) {
    const target = budget * margins[r]!;
    const k = await smallest(target);
    if (k < 0) {
      rounds.push({ target, kept: -1, loss: tried.get(n) ?? baseLoss });
      // Not even every layer kept float reaches the first margin (pruning or clustering stay): the
      // budget itself, still checked on the held-out inputs, is the last resort.
      if (r === 0 && margins[0]! < 1) margins.splice(1, margins.length, 1);
      continue;
    }
    const round: SearchRound = { target, kept: k, loss: tried.get(k)! };
    rounds.push(round);
    if (targets.check) {
      let c = checked.get(k);
      if (c === undefined) {
        c = await targets.check(prefix(k));
        measurements++;
        checked.set(k, c);
      }
      round.checkLoss = c;
      if (!withinBudget(c, budget)) continue;
    }
    const decisions = order.slice(0, k).map((o) => ({
      layer: o.c.layer,
      op: o.c.opName,
      opIndex: o.c.op,
      lossWhenAloneFloat: o.loss,
      reason: `sensitivity loss ${fmt(baseLoss)} with ${wording.base}, ${fmt(o.loss)} with ${wording.alone}`,
      bytes: o.c.bytes,
    }));
    return { keep: prefix(k), decisions, loss: round.loss, met: true, measurements, candidates: n, sensitivity, ranking, rounds };
  }
  return unmet();
}

const fmt = (x: number): string => x.toPrecision(3);

/** Ascending, NaN after everything (Infinity included); no subtraction, since Infinity - Infinity is NaN. */
function compareLoss(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
  return a < b ? -1 : a > b ? 1 : 0;
}
