/**
 * Fixed pruning and clustering the budget cannot take: `--prune 0.8 --cluster 4` on the sample CNN misses
 * the default fidelity budget even with every layer kept float, so the layers where pruning and
 * clustering do the most damage get their original weights back (restore-layers.ts) and the rest stay
 * pruned and clustered. Run through the CLI, measured in LiteRT.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { OptimizeReport } from '../compiler/src/pipeline/report.js';
import { REPO_ROOT } from '../compiler/src/testing/fixtures.js';
import { runCliInProcess } from '../compiler/src/testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mlshrink-restore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const model = join(REPO_ROOT, 'sample-android-app/src/main/assets/fashion_mnist_cnn.tflite');

describe('restoring pruned or clustered layers under the fidelity budget', () => {
  it('ships with the fewest layers restored, reports each one, and the others keep the sparsity and clusters asked for', async () => {
    const out = join(dir, 'out');
    const r = await runCliInProcess(['optimize', model, '-o', out, '--prune', '0.8', '--cluster', '4', '--quantize', 'dynamic']);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(readFileSync(join(out, 'fashion_mnist_cnn.report.json'), 'utf8')) as OptimizeReport;
    // Keeping layers float was tried first and could not meet it: pruning and clustering stayed.
    expect(rep.mixedPrecision?.met).toBe(false);
    const restored = rep.restoredLayers!;
    expect(restored.met).toBe(true);
    expect(restored.candidates).toBe(4);
    expect(restored.decisions.length).toBeGreaterThan(0);
    expect(restored.decisions.length).toBeLessThan(restored.candidates);
    expect(rep.fidelity?.met).toBe(true);
    expect(rep.warnings.some((w) => /pruned or clustered layers restored/.test(w))).toBe(true);
    // The written model: the restored layers dense with many values, the others 80 % zeros and ≤ 4 values.
    const rows = rep.layers!.filter((l) => l.params > 0);
    expect(rows).toHaveLength(4);
    const dense = rows.filter((l) => l.sparsity < 0.1 && l.distinctValues > 16);
    const asked = rows.filter((l) => l.sparsity >= 0.79 && l.distinctValues <= 4);
    expect([dense.length, asked.length]).toEqual([restored.decisions.length, 4 - restored.decisions.length]);
    expect(readFileSync(join(out, 'fashion_mnist_cnn.report.html'), 'utf8')).toContain('data-table="restored-layers"');
  }, 300_000);

  it('refuses a result that only every layer restored can give when nothing else compresses it: that is the input itself', async () => {
    const out = join(dir, 'none');
    const r = await runCliInProcess(['optimize', model, '-o', out, '--prune', '0.95', '--quantize', 'none', '--max-fidelity-loss', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/restoring 2 of 2 pruned or clustered layers \(unpruned, unclustered\) meets it but gives \d+ bytes, no smaller than the input's \d+; no model written/);
    const rep = JSON.parse(readFileSync(join(out, 'fashion_mnist_cnn.report.json'), 'utf8')) as OptimizeReport;
    expect(rep.ok).toBe(false);
    expect(rep.restoredLayers?.met).toBe(false);
  }, 300_000);
});
