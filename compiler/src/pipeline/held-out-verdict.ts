/**
 * Which `--auto` candidate ships, judged on evaluation data the search never saw. The search and the
 * prune → retrain rounds measure many candidates on the same data and keep the smallest within the
 * budget, so the winner is the one whose measurement was luckiest: on LeNet-300 a round at −0.94 pt on
 * the 5k validation split lost 1.12 pt on the 10k test set. So the candidates that met the budget on
 * the search part are checked on the held-out part, smallest first, and the first one that meets the
 * budget there too ships. Each check is one more LiteRT evaluation, at most `maxChecks` of them (every
 * extra check is another draw, which brings the selection bias back on the held-out part).
 * Pure: the check is injected, so it runs without LiteRT in tests.
 */
import { withinBudget } from './within-budget.js';

export interface VerdictCandidate {
  bytes: number;
  /** Loss on the search part (what the search judged it by). */
  loss: number;
  met: boolean;
}

export interface HeldOutCheck<T> {
  candidate: T;
  heldOutLoss: number;
  met: boolean;
}

export interface HeldOutVerdict<T> {
  /** The candidate that met the budget on both parts; undefined when none of the checked ones did. */
  chosen?: T;
  /** Candidates checked on the held-out part, in the order checked. */
  checks: HeldOutCheck<T>[];
  /** Candidates that met the budget on the search part but were not checked (the check limit). */
  unchecked: number;
}

/** Default number of held-out evaluations. */
export const MAX_HELD_OUT_CHECKS = 4;

/** Candidates within the budget on the search part, smallest first (then lower loss, then given order). */
export function heldOutOrder<T extends VerdictCandidate>(candidates: readonly T[]): T[] {
  return candidates
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.met)
    .sort((a, b) => a.c.bytes - b.c.bytes || a.c.loss - b.c.loss || a.i - b.i)
    .map(({ c }) => c);
}

export async function heldOutVerdict<T extends VerdictCandidate>(
  candidates: readonly T[],
  check: (candidate: T) => Promise<number>,
  o: { budget: number; maxChecks?: number; onCheck?(c: HeldOutCheck<T>): void },
): Promise<HeldOutVerdict<T>> {
  const order = heldOutOrder(candidates);
  const limit = Math.max(1, o.maxChecks ?? MAX_HELD_OUT_CHECKS);
  const checks: HeldOutCheck<T>[] = [];
  for (const candidate of order.slice(0, limit)) {
    const heldOutLoss = await check(candidate);
    const c = { candidate, heldOutLoss, met: withinBudget(heldOutLoss, o.budget) };
    checks.push(c);
    o.onCheck?.(c);
    if (c.met) return { chosen: candidate, checks, unchecked: order.length - checks.length };
  }
  return { checks, unchecked: order.length - checks.length };
}

/** Without held-out data: the smallest candidate within the budget on the search part, as judged there. */
export function searchOnlyVerdict<T extends VerdictCandidate>(candidates: readonly T[]): HeldOutVerdict<T> {
  const order = heldOutOrder(candidates);
  return { ...(order.length ? { chosen: order[0]! } : {}), checks: [], unchecked: Math.max(0, order.length - 1) };
}
