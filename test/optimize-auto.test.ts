/**
 * `optimize --auto` end to end in LiteRT, on a small real classifier (a ridge-regression readout on
 * random ReLU features, fitted on 2,000 Fashion-MNIST training images in about a second): it ships a
 * smaller packed model than a fixed flag set that also meets the budget, within the budget; and when
 * nothing can meet the budget it writes no model and exits 2.
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
const data = ['--calibration', train, '--eval', test];
const report = (out: string): OptimizeReport => JSON.parse(readFileSync(join(out, 'mlp.report.json'), 'utf8')) as OptimizeReport;

describe.skipIf(!fashionMnistAvailable())('optimize --auto', () => {
  beforeAll(() => {
    writeFileSync(samples, JSON.stringify({ calibrationSamples: 100, evalSamples: 500 }));
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
    // The shipped file is the chosen point, which is the smallest plan measured within budget.
    const shipped = readFileSync(join(out, 'mlp.tflite.mlshrink'));
    const chosen = auto.tried!.filter((p) => p.chosen);
    expect(chosen).toHaveLength(1);
    expect(chosen[0]!.packedBytes).toBe(shipped.length);
    for (const p of auto.tried!) if (p.accuracyDrop! <= 0.01) expect(p.packedBytes!).toBeGreaterThanOrEqual(shipped.length);
    expect(auto.auto!.sensitivity.length).toBeGreaterThan(0);
    expect(auto.auto!.plans.filter((p) => p.chosen)).toHaveLength(1);
    expect(auto.auto!.layers.some((l) => l.sparsity > 0 || l.clusters > 0)).toBe(true);
    const html = readFileSync(join(out, 'mlp.report.html'), 'utf8');
    expect(html).toContain('data-chart="pareto"');
    expect(html).toContain('Automatic search (--auto)');
  }, 240_000);

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
    const r = await runCliInProcess(['optimize', model, '-o', out, '--config', samples, '--auto', '--quantize', 'int8', '--finetune', '2', '--finetune-data', train, '--finetune-samples', '300', ...data]);
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
    const chosen = t.rounds.filter((x) => x.chosen);
    expect(chosen).toHaveLength(1);
    const shipped = readFileSync(join(out, 'mlp.tflite.mlshrink'));
    expect(chosen[0]!.bytes).toBe(shipped.length);
    expect(chosen[0]!.loss).toBeLessThanOrEqual(0.01 + 1e-12);
    expect(rep.accuracyDrop!).toBeCloseTo(chosen[0]!.loss, 12); // the final verdict is the measured round
    for (const x of t.rounds) if (x.met) expect(x.bytes).toBeGreaterThanOrEqual(shipped.length);
    // A trained model ships with its training recorded as the first pass.
    if (chosen[0]!.epochs > 0) expect(rep.passes[0]!.name).toBe('finetune');
    expect(rep.tried!.filter((p) => p.chosen)).toHaveLength(1);
    expect(readFileSync(join(out, 'mlp.report.html'), 'utf8')).toContain('data-table="auto-training"');
  }, 240_000);

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
