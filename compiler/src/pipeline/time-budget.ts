/**
 * `optimize --auto --time-budget <duration>`: a deadline for the search and the training (pure: the
 * clock is injected, so the logic is tested without waiting).
 *
 * Work is split into steps (a LiteRT measurement, a training epoch) that are never interrupted in a way
 * that leaves anything half done. Before a step starts, the deadline predicts its length from the longest
 * step of its kind measured so far, adds the steps that must follow it (a sensitivity measurement is only
 * worth taking if a plan verdict can use it) and the reserve for the final steps (held-out checks, the
 * shipped model's final build, evaluation, packing and writing), and refuses the step when that would end
 * past the deadline. A training epoch, whose first run has no measured predecessor, is watched while it
 * runs instead: when it is on course to end too late it is abandoned in memory (nothing was written) and
 * the previous checkpoint stands. Each refusal is recorded as a cut of its stage, for the report.
 */

/** Kinds of step whose measured durations predict the next one of the same kind. */
export type StepKind = 'verdict' | 'evaluation' | 'sensitivity' | 'epoch' | 'trained-verdict' | 'pack';
/** Stages of `--auto` that a time budget can cut short. */
export type Stage = 'sensitivity' | 'plans' | 'training';

/** A kind never measured yet is predicted by another kind that takes at least as long (or 0). */
const FALLBACK: Partial<Record<StepKind, StepKind>> = {
  // 'evaluation' is a verdict without its packing; sensitivity runs on a slice of the verdict data, its
  // size estimated without packing; a checkpoint's first verdict also calibrates, so the search's verdicts
  // are a lower bound there (the first trained verdict then sets the real figure).
  evaluation: 'verdict',
  sensitivity: 'evaluation',
  'trained-verdict': 'verdict',
};

/** Fraction of an epoch run before its pace is trusted (the first batches include set-up and warm-up). */
const MIN_PACE_FRACTION = 0.05;

export interface TimeCut {
  stage: Stage;
  /** Milliseconds since the start when the stage was cut. */
  atMs: number;
  /** What was not started (or abandoned) and why: the prediction against the time left. */
  note: string;
}

/** What `--auto` asks before each step; `Deadline` answers, and without a time budget nothing asks. */
export interface StepGate {
  now(): number;
  /** Whether `steps`, run one after another, end before the deadline with the final reserve kept; records a cut of `stage` when not. */
  mayStart(stage: Stage, steps: readonly StepKind[], what: string): boolean;
  /** During a step of `kind` started at `startedAt`, `done` of `total` through: whether it and then `after` still end in time; records a cut when not. */
  onTrack(stage: Stage, startedAt: number, done: number, total: number, after: readonly StepKind[], what: string): boolean;
  /** A finished step's duration, the prediction for the next one of its kind. */
  record(kind: StepKind, ms: number): void;
}

/** Runs a step and records its duration with the gate's clock (just runs it without a gate). */
export async function timed<T>(gate: StepGate | undefined, kind: StepKind, step: () => Promise<T>): Promise<T> {
  if (!gate) return step();
  const t0 = gate.now();
  const out = await step();
  gate.record(kind, gate.now() - t0);
  return out;
}

export class Deadline implements StepGate {
  private readonly longest = new Map<StepKind, number>();
  readonly cuts: TimeCut[] = [];

  /**
   * @param budgetMs  the time budget, counted from `startedAt`
   * @param clock     milliseconds (Date.now in the CLI, a fake in tests)
   * @param reserve   the steps always left time for after the search and training
   */
  constructor(
    readonly budgetMs: number,
    private readonly clock: () => number,
    readonly startedAt: number,
    private readonly reserve: readonly StepKind[],
  ) {}

  now(): number {
    return this.clock();
  }

  elapsedMs(): number {
    return this.clock() - this.startedAt;
  }

  record(kind: StepKind, ms: number): void {
    this.longest.set(kind, Math.max(ms, this.longest.get(kind) ?? 0));
  }

  /** The longest measured step of `kind` (or of its fallback kind); 0 when neither was measured. */
  predict(kind: StepKind): number {
    const own = this.longest.get(kind);
    if (own !== undefined) return own;
    const fallback = FALLBACK[kind];
    return fallback ? this.predict(fallback) : 0;
  }

  /** Milliseconds kept for the final steps. */
  reserveMs(): number {
    return this.sum(this.reserve);
  }

  mayStart(stage: Stage, steps: readonly StepKind[], what: string): boolean {
    const need = this.sum(steps);
    return this.judge(stage, this.clock() + need, `${what} not started: predicted ${seconds(need)}`);
  }

  onTrack(stage: Stage, startedAt: number, done: number, total: number, after: readonly StepKind[], what: string): boolean {
    if (total <= 0 || done <= 0) return true;
    const now = this.clock();
    const fraction = Math.min(1, done / total);
    // Too early to trust the pace: only stop when even the steps after it no longer fit.
    const rest = fraction < MIN_PACE_FRACTION ? 0 : ((now - startedAt) / done) * (total - done);
    const need = rest + this.sum(after);
    return this.judge(stage, now + need, `${what} abandoned at ${(fraction * 100).toFixed(0)} %: predicted ${seconds(need)} more`);
  }

  private judge(stage: Stage, end: number, note: string): boolean {
    const reserve = this.reserveMs();
    const deadline = this.startedAt + this.budgetMs;
    if (end + reserve <= deadline) return true;
    if (!this.cuts.some((c) => c.stage === stage)) {
      this.cuts.push({ stage, atMs: this.clock() - this.startedAt, note: `${note} + ${seconds(reserve)} for the final steps > ${seconds(Math.max(0, deadline - this.clock()))} left` });
    }
    return false;
  }

  private sum(kinds: readonly StepKind[]): number {
    return kinds.reduce((t, k) => t + this.predict(k), 0);
  }
}

const STAGE_NAMES: Record<Stage, string> = { sensitivity: 'sensitivity scan', plans: 'plan search', training: 'training' };

/** "sensitivity scan cut after 2.1 s, training cut after 40 s". */
export const cutStages = (t: { cuts: readonly TimeCut[] }): string => t.cuts.map((c) => `${STAGE_NAMES[c.stage]} cut after ${formatDuration(c.atMs)}`).join(', ');

/** The warning in the report and on the CLI when the time budget cut a run short. */
export function timeBudgetWarning(t: { budgetMs: number; elapsedMs: number; cuts: readonly TimeCut[] }): string {
  return `time budget ${formatDuration(t.budgetMs)} reached (${formatDuration(t.elapsedMs)} elapsed): ${cutStages(t)} (${t.cuts[0]!.note}); the smallest model measured within the budget by then ships, a longer time budget may find a smaller one`;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, min: 60, h: 3600 };

/**
 * Seconds in a duration: a number of seconds ("600", "90.5") or numbers with units, largest first
 * ("500ms", "90s", "10m", "1.5h", "1h30m"); undefined when the text is not a positive duration.
 */
export function durationSeconds(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return positive(Number(t));
  const parts = /^(?:\d+(?:\.\d+)?(?:ms|min|h|m|s))+$/.test(t) ? [...t.matchAll(/(\d+(?:\.\d+)?)(ms|min|h|m|s)/g)] : [];
  if (parts.length === 0) return undefined;
  const units = parts.map((p) => p[2]!);
  // Each unit at most once, largest first: "30m1h" or "1m1m" is a typo, not a duration.
  for (let i = 1; i < units.length; i++) if (UNIT_SECONDS[units[i]!]! >= UNIT_SECONDS[units[i - 1]!]!) return undefined;
  return positive(parts.reduce((s, p) => s + Number(p[1]) * UNIT_SECONDS[p[2]!]!, 0));
}

const positive = (s: number): number | undefined => (Number.isFinite(s) && s > 0 ? s : undefined);

export const DURATION_HELP = 'a positive duration: seconds (600) or with units (90s, 10m, 1h, 1h30m)';

/** "10 min", "1 h 30 min", "45 s", "2.5 s", "20 ms": durations as the report shows them. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const totalS = Math.round(ms / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  return [h ? `${h} h` : '', m ? `${m} min` : '', s ? `${s} s` : ''].filter(Boolean).join(' ');
}
