import { describe, expect, it } from 'vitest';
import { heldOutSplit, MIN_HELD_OUT_SAMPLES } from './held-out-split.js';
import { heldOutOrder, heldOutVerdict, MAX_HELD_OUT_CHECKS } from './held-out-verdict.js';

/**
 * A fake search result: candidates of decreasing size whose true loss grows as they shrink. The search
 * part measures each with its own luck (some measurements come out low), the held-out part with none,
 * so "smallest within the budget on the search part" picks a lucky candidate over budget.
 */
interface Fake {
  name: string;
  bytes: number;
  loss: number;
  met: boolean;
  trueLoss: number;
}
const BUDGET = 0.01;
function fakeCandidates(luck: Record<string, number>): Fake[] {
  const sizes = [80_000, 60_000, 40_000, 30_000, 20_000, 15_000, 13_000];
  return sizes.map((bytes, i) => {
    const name = `c${i}`;
    const trueLoss = 0.002 * i; // c5: 1.0 pt, c6: 1.2 pt
    const loss = trueLoss - (luck[name] ?? 0);
    return { name, bytes, loss, met: loss <= BUDGET, trueLoss };
  });
}

describe('heldOutSplit', () => {
  it('holds every second sample out, the parts disjoint and covering all', () => {
    const s = heldOutSplit(5000)!;
    expect(s.search).toHaveLength(2500);
    expect(s.heldOut).toHaveLength(2500);
    expect(s.search.slice(0, 3)).toEqual([0, 2, 4]);
    expect(s.heldOut.slice(0, 3)).toEqual([1, 3, 5]);
    expect(new Set([...s.search, ...s.heldOut]).size).toBe(5000);
    expect(heldOutSplit(2 * MIN_HELD_OUT_SAMPLES + 1)!.heldOut).toHaveLength(MIN_HELD_OUT_SAMPLES);
  });

  it('holds nothing out when a part would have fewer than MIN_HELD_OUT_SAMPLES', () => {
    expect(heldOutSplit(2 * MIN_HELD_OUT_SAMPLES - 1)).toBeUndefined();
    expect(heldOutSplit(0)).toBeUndefined();
  });
});

describe('heldOutVerdict', () => {
  it('falls back from a lucky smallest candidate to the next larger one that meets the budget held out', async () => {
    const cands = fakeCandidates({ c6: 0.003 }); // c6: 1.2 pt true, 0.9 measured on the search part
    const naive = heldOutOrder(cands)[0]!;
    expect(naive.name).toBe('c6');
    expect(naive.trueLoss).toBeGreaterThan(BUDGET);
    const checked: string[] = [];
    const v = await heldOutVerdict(cands, async (c) => (checked.push(c.name), c.trueLoss), { budget: BUDGET });
    expect(v.chosen!.name).toBe('c5');
    expect(v.chosen!.trueLoss).toBeLessThanOrEqual(BUDGET);
    expect(checked).toEqual(['c6', 'c5']);
    expect(v.checks.map((c) => [c.candidate.name, c.met])).toEqual([['c6', false], ['c5', true]]);
    expect(v.checks[0]!.heldOutLoss).toBeCloseTo(0.012, 12);
    expect(v.unchecked).toBe(5); // c0..c4 met on the search part, never needed
  });

  it('checks only candidates within the budget on the search part, smallest first, at most maxChecks', async () => {
    const cands = fakeCandidates({ c6: 0.004, c5: 0.002 });
    const order = heldOutOrder(cands).map((c) => c.name);
    expect(order).toEqual(['c6', 'c5', 'c4', 'c3', 'c2', 'c1', 'c0']);
    // Nothing meets the budget held out: the check stops at the limit and nothing is chosen.
    const v = await heldOutVerdict(cands, async () => 0.05, { budget: BUDGET, maxChecks: 3 });
    expect(v.chosen).toBeUndefined();
    expect(v.checks.map((c) => c.candidate.name)).toEqual(['c6', 'c5', 'c4']);
    expect(v.unchecked).toBe(4);
    const d = await heldOutVerdict(cands, async () => 0.05, { budget: BUDGET });
    expect(d.checks).toHaveLength(MAX_HELD_OUT_CHECKS);
    // A candidate over budget on the search part is never checked, even if it would pass held out.
    const none = await heldOutVerdict(cands.map((c) => ({ ...c, met: false })), async () => 0, { budget: BUDGET });
    expect(none).toEqual({ checks: [], unchecked: 0 });
  });

  it('breaks equal sizes by search loss, then by the given order (deterministic)', () => {
    const a = { id: 'a', bytes: 10, loss: 0.005, met: true };
    const b = { id: 'b', bytes: 10, loss: 0.002, met: true };
    const c = { id: 'c', bytes: 10, loss: 0.002, met: true };
    expect(heldOutOrder([a, b, c]).map((x) => x.id)).toEqual(['b', 'c', 'a']);
    expect(heldOutOrder([c, b, a]).map((x) => x.id)).toEqual(['c', 'b', 'a']);
  });

  it('allows for float rounding at the budget (withinBudget)', async () => {
    const v = await heldOutVerdict([{ bytes: 1, loss: 0, met: true }], async () => BUDGET + 1e-15, { budget: BUDGET });
    expect(v.chosen).toBeDefined();
  });
});
