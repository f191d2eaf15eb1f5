import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLiteRt } from '../eval/litert.js';
import { unpackModel } from '../pack/index.js';
import { seededValues, syntheticConvChain } from '../testing/synthetic-convnet.js';
import { writeModel } from '../tflite/write.js';
import { loadAssetsConfig, planAssets } from './assets.js';
import { runCliInProcess, type CliResult } from '../testing/run-cli.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mlshrink-assets-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** An app's merged assets: a model in a sub-folder, a label file, a nested non-model file. */
function appAssets(root: string): { inDir: string; data: string } {
  const inDir = join(root, 'merged');
  mkdirSync(join(inDir, 'models'), { recursive: true });
  mkdirSync(join(inDir, 'docs'), { recursive: true });
  writeFileSync(join(inDir, 'models', 'classifier.tflite'), writeModel(syntheticConvChain()));
  writeFileSync(join(inDir, 'labels.txt'), 'tshirt\ntrouser\n');
  writeFileSync(join(inDir, 'docs', 'about.html'), '<p>hi</p>');
  // Unlabeled 28x28 inputs (raw float32): the budget is measured as top-1 agreement.
  const data = join(root, 'data');
  mkdirSync(data);
  for (let i = 0; i < 24; i++) writeFileSync(join(data, `x${String(i).padStart(2, '0')}.f32`), new Uint8Array(seededValues(28 * 28, 100 + i).map((v) => (v + 1) / 2).buffer));
  return { inDir, data };
}

const runCli = (args: string[]): Promise<CliResult> => runCliInProcess(args);

function listFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('mlshrink assets', () => {
  it('packs matched models, copies everything else, keeps reports out of the assets', async () => {
    const root = tempDir();
    const { inDir, data } = appAssets(root);
    const config = join(root, 'config.json');
    writeFileSync(config, JSON.stringify({ models: ['**/*.tflite'], quantize: 'int8', calibration: data, eval: data, metric: 'agreement', maxAccuracyDrop: 0.5, pack: 'huffman' }));
    const run = async (tag: string) => {
      const out = join(root, `out-${tag}`);
      const reports = join(root, `reports-${tag}`);
      const r = await runCli(['assets', '--in', inDir, '--out', out, '--config', config, '--report-dir', reports]);
      return { ...r, out, reports };
    };
    const a = await run('a');
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(listFiles(a.out)).toEqual(['docs/about.html', 'labels.txt', 'models/classifier.tflite.mlshrink']);
    expect(readFileSync(join(a.out, 'labels.txt'), 'utf8')).toBe('tshirt\ntrouser\n');
    expect(listFiles(a.reports)).toEqual(['index.html', 'models/classifier.report.html', 'models/classifier.report.json']);
    // The build's index links each model's page by its path relative to the index.
    expect(readFileSync(join(a.reports, 'index.html'), 'utf8')).toContain('<a href="models/classifier.report.html">models/classifier.tflite</a>');
    const report = JSON.parse(readFileSync(join(a.reports, 'models/classifier.report.json'), 'utf8'));
    expect(report.ok).toBe(true);
    expect(report.budget.metric).toBe('top1-agreement');
    expect(typeof report.accuracyDrop).toBe('number');
    expect(a.stdout).toContain('models/classifier.tflite -> models/classifier.tflite.mlshrink');
    expect(a.stdout).toContain('1 model(s) optimized, 2 other file(s) copied');

    // The packed asset decodes to a model the real runtime runs, with int8 weights now (smaller).
    const packed = new Uint8Array(readFileSync(join(a.out, 'models/classifier.tflite.mlshrink')));
    const tflite = unpackModel(packed);
    const original = new Uint8Array(readFileSync(join(inDir, 'models/classifier.tflite')));
    expect(packed.length).toBeLessThan(original.length / 3);
    const rt = await loadLiteRt(tflite);
    try {
      expect(rt.inputs[0]!.shape).toEqual([1, 28, 28, 1]);
      const [probs] = await rt.run([new Float32Array(28 * 28).fill(0.5)]);
      const sum = Array.from(probs as Float32Array).reduce((s, v) => s + v, 0);
      expect(sum).toBeCloseTo(1, 2);
    } finally {
      rt.dispose();
    }

    // Deterministic: the same input and config give byte-identical assets and reports.
    const b = await run('b');
    expect(b.code).toBe(0);
    for (const f of listFiles(a.out)) expect(readFileSync(join(b.out, f)).equals(readFileSync(join(a.out, f)))).toBe(true);
    for (const f of listFiles(a.reports)) expect(readFileSync(join(b.reports, f), 'utf8')).toBe(readFileSync(join(a.reports, f), 'utf8'));
  });

  it('fails with exit code 2 and the compiler message when the accuracy budget is broken', async () => {
    const root = tempDir();
    const { inDir, data } = appAssets(root);
    const config = join(root, 'config.json');
    writeFileSync(config, JSON.stringify({ prune: 0.95, quantize: 'none', eval: data, metric: 'agreement', maxAccuracyDrop: 0 }));
    const out = join(root, 'out');
    const r = await runCli(['assets', '--in', inDir, '--out', out, '--config', config, '--report-dir', join(root, 'reports')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^mlshrink: .*classifier\.tflite: .*exceeds the budget of 0\.00/);
    expect(listFiles(out).filter((f) => f.includes('classifier'))).toEqual([]);
  });

  it('without packing, the optimized model keeps its name and place', async () => {
    const root = tempDir();
    const { inDir } = appAssets(root);
    const config = join(root, 'config.json');
    writeFileSync(config, JSON.stringify({ quantize: 'float16', pack: 'none' }));
    const out = join(root, 'out');
    const r = await runCli(['assets', '--in', inDir, '--out', out, '--config', config, '--report-dir', join(root, 'reports')]);
    expect(r.code).toBe(0);
    expect(listFiles(out)).toEqual(['docs/about.html', 'labels.txt', 'models/classifier.tflite']);
    const before = readFileSync(join(inDir, 'models/classifier.tflite')).length;
    const after = readFileSync(join(out, 'models/classifier.tflite')).length;
    expect(after).toBeLessThan(before * 0.6); // float16 weights
    expect(readFileSync(join(inDir, 'models/classifier.tflite')).length).toBe(before); // input untouched
  });

  it('reports user mistakes as one line', async () => {
    const root = tempDir();
    const { inDir } = appAssets(root);
    const missing = await runCli(['assets', '--in', join(root, 'nope'), '--out', join(root, 'o'), '--report-dir', join(root, 'r')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`mlshrink: ${join(root, 'nope')}: no such directory\n`);
    const nested = await runCli(['assets', '--in', inDir, '--out', join(inDir, 'out'), '--report-dir', join(root, 'r')]);
    expect(nested.code).toBe(2);
    expect(nested.stderr).toContain('--out must not overlap --in');
    const bad = join(root, 'bad.json');
    writeFileSync(bad, JSON.stringify({ models: [], quantize: 'int8' }));
    const badModels = await runCli(['assets', '--in', inDir, '--out', join(root, 'o2'), '--config', bad, '--report-dir', join(root, 'r2')]);
    expect(badModels.code).toBe(2);
    expect(badModels.stderr).toContain(`${bad}: option "models" must be a non-empty list of globs`);
    writeFileSync(bad, JSON.stringify({ quantize: 'int4' }));
    expect(() => loadAssetsConfig(bad)).toThrow(/option "quantize" must be/);
  });

  it('plans by glob: only matched files are models, paths sorted and relative', () => {
    const root = tempDir();
    const { inDir } = appAssets(root);
    writeFileSync(join(inDir, 'extra.tflite'), 'not matched by models/**');
    expect(planAssets(inDir, ['models/**/*.tflite'])).toEqual({
      models: ['models/classifier.tflite'],
      copies: ['docs/about.html', 'extra.tflite', 'labels.txt'],
    });
  });

  it('resolves relative data paths against the config file', () => {
    const root = tempDir();
    const file = join(root, 'c.json');
    writeFileSync(file, JSON.stringify({ calibration: 'cal', eval: '/abs/eval', finetune: 1, finetuneData: 'train' }));
    const c = loadAssetsConfig(file);
    expect(c.models).toEqual(['**/*.tflite']);
    expect(c.options.calibration).toBe(join(root, 'cal'));
    expect(c.options.finetuneData).toBe(join(root, 'train'));
    expect(c.options.eval).toBe('/abs/eval');
    // The default quantize mode is 'auto': int8 here, since the config gives calibration data.
    expect(c.options.quantize).toBe('auto');
  });
});
