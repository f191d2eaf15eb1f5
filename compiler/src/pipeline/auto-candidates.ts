/**
 * The candidates `--auto` may ship: every whole-model plan the search measured (on the original
 * weights) and every training round (on its checkpoint). Training round 0 is the search's chosen plan
 * again, so it is not listed twice. held-out-verdict.ts picks among them.
 */
import type { Assignment, AutoSearchResult, PlanPoint } from './auto-search.js';
import type { AutoTrainResult, TrainedCandidate } from './auto-train.js';
import type { VerdictCandidate } from './held-out-verdict.js';

export interface ShipCandidate extends VerdictCandidate {
  /** 'plan N' (index in the search's plans) or 'round N' (training round). */
  id: string;
  layers: Assignment;
  plan?: PlanPoint;
  trained?: TrainedCandidate;
}

export function shipCandidates(search: AutoSearchResult, training: AutoTrainResult | undefined): ShipCandidate[] {
  const plans = search.plans.map((p, i) => ({ id: `plan ${i}`, layers: p.layers, bytes: p.bytes, loss: p.loss, met: p.met, plan: p }));
  const rounds = (training?.rounds ?? []).map((r) => ({ id: `round ${r.round}`, layers: r.layers, bytes: r.bytes, loss: r.loss, met: r.met, trained: r }));
  return [...plans, ...rounds];
}
