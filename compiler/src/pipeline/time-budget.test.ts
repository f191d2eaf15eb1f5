import { describe, expect, it } from 'vitest';
import { Deadline, durationSeconds, formatDuration, timed } from './time-budget.js';

/** A clock that only moves when the test moves it. */
function fakeClock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('durationSeconds', () => {
  it('reads seconds and numbers with units, largest unit first', () => {
    expect(durationSeconds('600')).toBe(600);
    expect(durationSeconds('90.5')).toBe(90.5);
    expect(durationSeconds('90s')).toBe(90);
    expect(durationSeconds('10m')).toBe(600);
    expect(durationSeconds('10min')).toBe(600);
    expect(durationSeconds('1h')).toBe(3600);
    expect(durationSeconds('1.5h')).toBe(5400);
    expect(durationSeconds('1h30m')).toBe(5400);
    expect(durationSeconds('2m30s')).toBe(150);
    expect(durationSeconds('250ms')).toBe(0.25);
    expect(durationSeconds(' 10M ')).toBe(600);
  });

  it('refuses what is not a positive duration', () => {
    for (const bad of ['', 'abc', '0', '0s', '-5', '-5m', '10x', '10 m', 'm', '1e3', '30m1h', '1m1m', '1h 30m', 'Infinity', '1d']) {
      expect(durationSeconds(bad), bad).toBeUndefined();
    }
  });

  it('formats durations for the report', () => {
    expect(formatDuration(20)).toBe('20 ms');
    expect(formatDuration(2500)).toBe('2.5 s');
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(600_000)).toBe('10 min');
    expect(formatDuration(5_400_000)).toBe('1 h 30 min');
  });
});

describe('Deadline', () => {
  it('starts a step only when it and the steps after it end before the deadline, minus the reserve', async () => {
    const clock = fakeClock();
    const d = new Deadline(10_000, clock.now, clock.now(), ['verdict', 'verdict']);
    // Nothing measured yet: predicted 0, the reserve 0.
    expect(d.mayStart('plans', ['verdict'], 'plan 1')).toBe(true);
    await timed(d, 'verdict', async () => clock.advance(1000)); // a verdict takes 1 s: reserve 2 s
    expect(d.reserveMs()).toBe(2000);
    // At 1 s: 1 s + 1 s + 2 s reserve ≤ 10 s.
    expect(d.mayStart('plans', ['verdict'], 'plan 2')).toBe(true);
    clock.advance(6000); // at 7 s: 7 + 1 + 2 = 10 ≤ 10
    expect(d.mayStart('plans', ['verdict'], 'plan 2')).toBe(true);
    expect(d.cuts).toEqual([]);
    clock.advance(1); // at 7.001 s it would end 1 ms late
    expect(d.mayStart('plans', ['verdict'], 'plan 3')).toBe(false);
    expect(d.cuts).toHaveLength(1);
    expect(d.cuts[0]).toMatchObject({ stage: 'plans', atMs: 7001 });
    expect(d.cuts[0]!.note).toBe('plan 3 not started: predicted 1.0 s + 2.0 s for the final steps > 3.0 s left');
    // One cut per stage: the first refusal is the one reported.
    expect(d.mayStart('plans', ['verdict'], 'plan 4')).toBe(false);
    expect(d.cuts).toHaveLength(1);
    expect(d.elapsedMs()).toBe(7001);
  });

  it('predicts a step by the longest of its kind, else by the kind bounding it', async () => {
    const clock = fakeClock();
    const d = new Deadline(60_000, clock.now, clock.now(), []);
    await timed(d, 'verdict', async () => clock.advance(3000));
    expect(d.predict('sensitivity')).toBe(3000); // sensitivity runs on part of the verdict data
    expect(d.predict('trained-verdict')).toBe(3000);
    expect(d.predict('epoch')).toBe(0); // unknown: watched while it runs instead
    await timed(d, 'sensitivity', async () => clock.advance(500));
    await timed(d, 'sensitivity', async () => clock.advance(800));
    await timed(d, 'sensitivity', async () => clock.advance(600));
    expect(d.predict('sensitivity')).toBe(800);
    // Sensitivity (0.8 s) and then a verdict (3 s) from 4.9 s elapsed in a 60 s budget: fine; at 56.3 s not.
    expect(d.mayStart('sensitivity', ['sensitivity', 'verdict'], 's')).toBe(true);
    clock.advance(56_300 - d.elapsedMs());
    expect(d.mayStart('sensitivity', ['sensitivity', 'verdict'], 's')).toBe(false);
    expect(d.cuts[0]).toMatchObject({ stage: 'sensitivity', atMs: 56_300 });
  });

  it('gives up a running step whose pace says it ends too late, not before its pace is known', () => {
    const clock = fakeClock();
    const d = new Deadline(100_000, clock.now, clock.now(), ['verdict']);
    d.record('verdict', 5000);
    d.record('trained-verdict', 10_000);
    const t0 = clock.now();
    // 1 of 100 batches after 4 s: too early to extrapolate (set-up and warm-up), and the steps after still fit.
    clock.advance(4000);
    expect(d.onTrack('training', t0, 1, 100, ['trained-verdict'], 'round 1')).toBe(true);
    // 10 of 100 after 8 s: 72 s more + 10 s measuring + 5 s reserve from 8 s = 95 s ≤ 100 s.
    clock.advance(4000);
    expect(d.onTrack('training', t0, 10, 100, ['trained-verdict'], 'round 1')).toBe(true);
    // 20 of 100 after 20 s: 80 s more → 20 + 80 + 10 + 5 = 115 s > 100 s.
    clock.advance(12_000);
    expect(d.onTrack('training', t0, 20, 100, ['trained-verdict'], 'round 1')).toBe(false);
    expect(d.cuts[0]!.stage).toBe('training');
    expect(d.cuts[0]!.note).toMatch(/^round 1 abandoned at 20 %: predicted 90\.0 s more \+ 5\.0 s for the final steps > 80\.0 s left$/);
  });

  it('even before the pace is known, stops a step once what must follow no longer fits', () => {
    const clock = fakeClock();
    const d = new Deadline(10_000, clock.now, clock.now(), []);
    d.record('trained-verdict', 3000);
    const t0 = clock.now();
    clock.advance(7001);
    expect(d.onTrack('training', t0, 1, 1000, ['trained-verdict'], 'round 1')).toBe(false);
  });
});
