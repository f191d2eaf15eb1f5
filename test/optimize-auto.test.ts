/**
 * `optimize --auto` end to end in LiteRT, on a small real classifier (a ridge-regression readout on
 * random ReLU features, fitted on 2,000 Fashion-MNIST training images in about a second): it ships a
 * smaller packed model than a fixed flag set that also meets the budget, within the budget on the
 * search half of the eval data and on the held-out half; and when nothing can meet the budget it
 * writes no model and exits 2.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIR, fashionMnistAvailable } from '../compiler/src/data/fashion-mnist.js';
import { loadLabeledData } from '../compiler/src/eval/labeled-data.js';
import type { OptimizeReport } from '../compiler/src/pipeline/report.js';
import { ridgeMlp } from '../compiler/src/testing/ridge-mlp.js';
import { runCliInProcess } from '../compiler/src/testing/run-cli.js';
import { writeModel } from '../compiler/src/tflite/write.js';

const train = join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz');
const test = join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz');
const dir = mkdtempSync(join(tmpdir(), 'mlshrink-auto-'));
const model = join(dir, 'mlp.tflite');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const samples = join(dir, 'samples.json');
const samples1k = join(dir, 'samples1k.json');
const data = ['--calibration', train, '--eval', test];
const report = (out: string): OptimizeReport => JSON.parse(readFileSync(join(out, 'mlp.report.json'), 'utf8')) as OptimizeReport;

describe.skipIf(!fashionMnistAvailable())('optimize --auto', () => {
  beforeAll(() => {
    // 4,000 eval samples: halves of 2,000, so a 1-point budget is resolved on this noisy model
    // (92 % top-1 agreement at 32 clusters: a half of 500 samples swings by ±1 pt).
    writeFileSync(samples, JSON.stringify({ calibrationSamples: 100, evalSamples: 4000 }));
    writeFileSync(samples1k, JSON.stringify({ calibrationSamples: 100, evalSamples: 1000 }));
    const fit = loadLabeledData(train, [1, 784], '[0,1]', 2000);
    writeFileSync(model, writeModel(ridgeMlp({ inputs: fit.inputs, labels: fit.labels! }, 64, 10)));
  });

  it('ships a smaller packed model than a fixed flag set, within the accuracy budget', async () => {
    // The hand-picked flag set (its pruning skips first and last layer by default, so here it only
    // clusters; pruning the 640-weight readout by half as well loses 24 points on this model).
    const fixedOut = join(dir, 'fixed');
    const fixed = await runCliInProcess(['optimize', model, '-o', fixedOut, '--config', samples, '--prune', '0.5', '--cluster', '16', '--quantize', 'int8', ...data]);
    expect(fixed.stderr).toBe('');
    expect(fixed.code).toBe(0);
    const baseline = report(fixedOut);

    const out = join(dir, 'auto');
    const r = await runCliInProcess(['optimize', model, '-o', out, '--config', samples, '--auto', '--quantize', 'int8', ...data]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const auto = report(out);
    expect(auto.ok).toBe(true);
    expect(auto.accuracyDrop!).toBeLessThanOrEqual(0.01 + 1e-12);
    expect(auto.after.packedBytes!).toBeLessThan(baseline.after.packedBytes!);
    // The shipped file is the chosen point: the smallest plan within budget on the search half of
    // the eval data that also met it on the held-out half; every smaller one was checked and missed.
    const shipped = readFileSync(join(out, 'mlp.tflite.mlshrink'));
    const chosen = auto.tried!.filter((p) => p.chosen);
    expect(chosen).toHaveLength(1);
    expect(chosen[0]!.packedBytes).toBe(shipped.length);
    const h = auto.auto!.heldOut!;
    expect(h).toMatchObject({ source: 'eval', samples: 2000 });
    expect(auto.auto!.verdictData.samples).toBe(2000);
    const last = h.checks.at(-1)!;
    expect(last).toMatchObject({ bytes: shipped.length, met: true });
    expect(last.heldOutLoss).toBeLessThanOrEqual(0.01 + 1e-12);
    for (const c of h.checks.slice(0, -1)) expect(c).toMatchObject({ met: false });
    const failed = new Set(h.checks.filter((c) => !c.met).map((c) => c.bytes));
    for (const p of auto.tried!) if (p.accuracyDrop! <= 0.01 && p.packedBytes! < shipped.length) expect(failed.has(p.packedBytes!)).toBe(true);
    // The report's accuracy is on all 4,000 eval samples: the mean of the two halves' drops.
    expect(auto.accuracyDrop!).toBeCloseTo((last.loss + last.heldOutLoss) / 2, 12);
    expect(auto.auto!.sensitivity.length).toBeGreaterThan(0);
    expect(auto.auto!.plans.filter((p) => p.chosen)).toHaveLength(1);
    expect(auto.auto!.layers.some((l) => l.sparsity > 0 || l.clusters > 0)).toBe(true);
    const html = readFileSync(join(out, 'mlp.report.html'), 'utf8');
    expect(html).toContain('data-chart="pareto"');
    expect(html).toContain('Automatic search (--auto)');
    expect(html).toContain('data-table="auto-held-out"');
    expect(html).not.toContain('data-note="time-budget"');

    // A time budget that is not reached changes nothing: the same measurements, choices and bytes.
    const timed = join(dir, 'auto-1h');
    const t = await runCliInProcess(['optimize', model, '-o', timed, '--config', samples, '--auto', '--quantize', 'int8', '--time-budget', '1h', ...data]);
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    expect(readFileSync(join(timed, 'mlp.tflite.mlshrink')).equals(shipped)).toBe(true);
    const withBudget = report(timed);
    const untimed = <T extends { ms: number }>(rows: T[]): Omit<T, 'ms'>[] => rows.map(({ ms: _ms, ...rest }) => rest);
    expect(untimed(withBudget.auto!.sensitivity)).toEqual(untimed(auto.auto!.sensitivity));
    expect(untimed(withBudget.auto!.plans)).toEqual(untimed(auto.auto!.plans));
    expect(withBudget.auto!.layers).toEqual(auto.auto!.layers);
    expect(withBudget.auto!.heldOut).toEqual(auto.auto!.heldOut);
    expect(withBudget.tried).toEqual(auto.tried);
    expect(withBudget.auto!.timeBudget).toMatchObject({ budgetMs: 3_600_000, cut: false, cuts: [] });
    expect(withBudget.options.timeBudget).toBe(3600);
    expect(readFileSync(join(timed, 'mlp.report.html'), 'utf8')).toContain('not reached, nothing was cut');
  }, 480_000);

  it('writes no model and exits 2 when even quantizing alone misses the budget', async () => {
    const out = join(dir, 'refused');
    // No labels (no --eval): the fidelity budget, here far below what int8 can reach.
    const r = await runCliInProcess(['optimize', model, '-o', out, '--auto', '--quantize', 'int8', '--config', samples, '--calibration', train, '--max-fidelity-loss', '0.000001']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--auto found no plan within the budget');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(out, 'mlp.tflite.mlshrink'))).toBe(false);
    const rep = report(out);
    expect(rep.ok).toBe(false);
    expect(rep.auto!.plans).toHaveLength(1); // the base only: nothing else can do better
    expect(rep.auto!.plans[0]!.loss).toBeGreaterThan(0.000001);
  }, 60_000);

  it('--finetune N: prune → retrain rounds after the search, recorded, the shipped file the smallest round within budget', async () => {
    const out = join(dir, 'trained');
    const r = await runCliInProcess(['optimize', model, '-o', out, '--config', samples1k, '--auto', '--quantize', 'int8', '--finetune', '2', '--finetune-data', train, '--finetune-samples', '300', ...data]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = report(out);
    const t = rep.auto!.training!;
    expect(t).toMatchObject({ samples: 300, labeled: true, qat: true, epochBudget: 2 });
    expect(t.epochsTrained).toBeGreaterThan(0);
    expect(t.epochsTrained).toBeLessThanOrEqual(2);
    expect(t.rounds[0]).toMatchObject({ round: 0, kind: 'search', epochs: 0, trainMs: 0 });
    const trained = t.rounds.filter((x) => x.kind !== 'search' && x.kind !== 'clusters');
    expect(trained).toHaveLength(t.epochsTrained);
    for (const x of trained) expect(x.trainMs).toBeGreaterThan(0);
    expect(rep.auto!.timingsMs.training).toBeGreaterThan(0);
    // The shipped file: the smallest round or search plan within budget on the search half that also
    // met it on the held-out half (a search plan when every smaller one missed there: no round chosen).
    const shipped = readFileSync(join(out, 'mlp.tflite.mlshrink'));
    const check = rep.auto!.heldOut!.checks.find((c) => c.met)!;
    expect(check.bytes).toBe(shipped.length);
    expect(check.loss).toBeLessThanOrEqual(0.01 + 1e-12);
    expect(check.heldOutLoss).toBeLessThanOrEqual(0.01 + 1e-12);
    expect(rep.accuracyDrop!).toBeCloseTo((check.loss + check.heldOutLoss) / 2, 12); // all eval data: the halves' mean
    const failed = new Set(rep.auto!.heldOut!.checks.filter((c) => !c.met).map((c) => c.bytes));
    for (const x of t.rounds) if (x.met && x.bytes < shipped.length) expect(failed.has(x.bytes)).toBe(true);
    const chosen = t.rounds.filter((x) => x.chosen);
    expect(chosen.length).toBeLessThanOrEqual(1);
    if (check.candidate.startsWith('round')) expect(chosen[0]).toMatchObject({ round: Number(check.candidate.slice(6)), bytes: shipped.length, loss: check.loss });
    // A trained model ships with its training recorded as the first pass.
    if (chosen[0] && chosen[0].epochs > 0) expect(rep.passes[0]!.name).toBe('finetune');
    else expect(rep.passes.some((p) => p.name === 'finetune')).toBe(false);
    expect(rep.tried!.filter((p) => p.chosen)).toHaveLength(1);
    expect(readFileSync(join(out, 'mlp.report.html'), 'utf8')).toContain('data-table="auto-training"');
  }, 240_000);

  it('says in the report and a warning when the eval data is too small to hold any out', async () => {
    const few = join(dir, 'few.json');
    writeFileSync(few, JSON.stringify({ calibrationSamples: 100, evalSamples: 150 }));
    const out = join(dir, 'few');
    const r = await runCliInProcess(['optimize', model, '-o', out, '--config', few, '--auto', '--quantize', 'int8', ...data]);
    expect(r.code).toBe(0);
    const rep = report(out);
    expect(rep.auto!.heldOut).toMatchObject({ samples: 0, checks: [] });
    expect(rep.auto!.heldOut!.note).toContain('nothing held out: 150 evaluation samples');
    expect(rep.warnings.some((w) => w.includes('nothing held out'))).toBe(true);
    expect(rep.auto!.verdictData.samples).toBe(150);
    expect(readFileSync(join(out, 'mlp.report.html'), 'utf8')).toContain('nothing held out: 150 evaluation samples');
  }, 240_000);

  it('--time-budget too small for any search step: the quantized base ships, and the report, the page and a warning say the search was cut', async () => {
    // 1 ms is over before the base plan is measured (loading the data alone takes longer), so the cut is
    // certain on any machine; the base is always measured, being the fallback that ships.
    const out = join(dir, 'rushed');
    const r = await runCliInProcess(['optimize', model, '-o', out, '--config', samples, '--auto', '--quantize', 'int8', '--time-budget', '1ms', ...data]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^mlshrink: warning: mlp\.tflite: time budget 1 ms reached \(.* elapsed\): sensitivity scan cut after .*; the smallest model measured within the budget by then ships/);
    const rep = report(out);
    expect(rep.ok).toBe(true);
    const t = rep.auto!.timeBudget!;
    expect(t).toMatchObject({ budgetMs: 1, cut: true });
    expect(t.elapsedMs).toBe(rep.auto!.timingsMs.total);
    expect(t.reserveMs).toBeGreaterThan(0);
    expect(t.cuts).toHaveLength(1);
    expect(t.cuts[0]!.stage).toBe('sensitivity');
    expect(t.cuts[0]!.note).toMatch(/^the sensitivity scan not started: predicted .* s \+ .* s for the final steps > 0\.0 s left$/);
    expect(rep.auto!.sensitivity).toEqual([]);
    expect(rep.auto!.plans).toHaveLength(1);
    // What ships is the base, checked on the held-out half like any candidate, within the budget.
    const shipped = readFileSync(join(out, 'mlp.tflite.mlshrink'));
    expect(rep.auto!.plans[0]).toMatchObject({ moves: 0, chosen: true, bytes: shipped.length });
    expect(rep.auto!.heldOut!.checks).toMatchObject([{ candidate: 'plan 0', met: true, bytes: shipped.length }]);
    expect(rep.accuracyDrop!).toBeLessThanOrEqual(0.01 + 1e-12);
    expect(rep.warnings.some((w) => w.startsWith('auto: time budget 1 ms reached'))).toBe(true);
    const html = readFileSync(join(out, 'mlp.report.html'), 'utf8');
    expect(html).toContain('data-note="time-budget"');
    expect(html).toContain('reached, the search was cut short');
    expect(html).toContain('sensitivity: cut after');
  }, 120_000);

  it('--time-budget: when the only candidate measured in time misses the budget on held-out data, exit 2 says the time budget ran out', async () => {
    // The fidelity budget (no labels), 1 ms: only the base plan is measured. A first run reads the base's
    // worst-output loss on the search inputs and on the held-out ones; a budget between the two makes the
    // base pass the search and fail the held-out check, with no time left for anything smaller.
    const args = (out: string, budget: string): string[] => ['optimize', model, '-o', out, '--config', samples, '--auto', '--quantize', 'int8', '--calibration', train, '--max-fidelity-loss', budget, '--time-budget', '1ms'];
    const first = await runCliInProcess(args(join(dir, 'probe'), '0.1'));
    expect(first.code, first.stderr).toBe(0);
    const base = report(join(dir, 'probe')).auto!.heldOut!.checks[0]!;
    expect(base.candidate).toBe('plan 0');
    expect(base.heldOutLoss).toBeGreaterThan(base.loss); // the fixture's precondition (true of this model and data)
    const out = join(dir, 'ran-out');
    const r = await runCliInProcess(args(out, String((base.loss + base.heldOutLoss) / 2)));
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/--auto: none of the 1 smallest plans within the budget on the search data met it on the \d+ held-out samples \(plan 0 .*\); the time budget of 1 ms ran out \(sensitivity scan cut after .*\) before anything else could be tried: give it more time; no model written/);
    expect(existsSync(join(out, 'mlp.tflite.mlshrink'))).toBe(false);
    const rep = report(out);
    expect(rep.ok).toBe(false);
    expect(rep.auto!.timeBudget).toMatchObject({ budgetMs: 1, cut: true });
  }, 120_000);

  it('--auto --finetune without training inputs is refused before the search', async () => {
    const r = await runCliInProcess(['optimize', model, '-o', join(dir, 'nodata'), '--config', samples, '--auto', '--finetune', '1', '--eval', test]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--auto --finetune needs training inputs');
  });

  it('refuses fixed compression flags beside --auto', async () => {
    const r = await runCliInProcess(['optimize', model, '-o', join(dir, 'both'), '--config', samples, '--auto', '--prune', '0.5', ...data]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--auto chooses sparsity and clusters per layer itself; drop prune');
  });
});
