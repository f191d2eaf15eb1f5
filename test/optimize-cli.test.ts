/**
 * `mlshrink optimize` end to end, in process: real fixture and a synthetic classifier, the packed
 * output decoded and run in LiteRT, config file auto-detection, budget failure, refusals.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argmax } from '../compiler/src/eval/fidelity.js';
import { openFloatRunner } from '../compiler/src/eval/evaluate.js';
import { loadLiteRt } from '../compiler/src/eval/litert.js';
import { prepareBytesForLiteRt } from '../compiler/src/eval/litert-compat.js';
import { tensorData, weightTensors } from '../compiler/src/ir/graph.js';
import { unpackModel } from '../compiler/src/pack/index.js';
import type { OptimizeReport } from '../compiler/src/pipeline/report.js';
import { fixturePath } from '../compiler/src/testing/fixtures.js';
import { prng } from '../compiler/src/util/prng.js';
import { syntheticConvChain } from '../compiler/src/testing/synthetic-convnet.js';
import { readModel } from '../compiler/src/tflite/read.js';
import { writeModel } from '../compiler/src/tflite/write.js';
import { runCliInProcess, type CliResult } from '../compiler/src/testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mlshrink-optimize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]): Promise<CliResult> => runCliInProcess(args);

const f32 = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('mlshrink optimize on the hello_world fixture', () => {
  it('quantizes to int8, packs, and the output decodes and runs in LiteRT close to the original', async () => {
    const cal = join(dir, 'sine');
    mkdirSync(cal, { recursive: true });
    for (let i = 0; i < 16; i++) writeFileSync(join(cal, `x${String(i).padStart(2, '0')}.f32`), f32(Float32Array.of((i * 2 * Math.PI) / 16)));
    const model = fixturePath('tflm/hello_world_float.tflite');
    const before = readFileSync(model);
    const out = join(dir, 'hello');
    const r = await cli('optimize', model, '-o', out, '--calibration', cal, '--eval', cal, '--metric', 'agreement');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/size \(bytes\)\s+3,164/);
    expect(r.stdout).toMatch(/budget 1\.00 pt: met/);
    expect(readFileSync(model)).toEqual(before);

    const report = JSON.parse(readFileSync(join(out, 'hello_world_float.report.json'), 'utf8')) as OptimizeReport;
    expect(report.ok).toBe(true);
    expect(report.output).toBe('hello_world_float.tflite.mlshrink');
    expect(report.accuracyDrop).toBe(0);
    expect(report.passes.map((p) => p.name)).toEqual(['quantize-int8']);
    expect(report.after.packedBytes).toBeLessThan(report.before.bytes);
    expect(report.evaluation!.outputs[0]!.sqnrDb).toBeGreaterThan(20);

    const tflite = unpackModel(readFileSync(join(out, 'hello_world_float.tflite.mlshrink')));
    // The batch dimension stays dynamic (-1) as in the original; LiteRT.js needs it pinned.
    const rt = await loadLiteRt(prepareBytesForLiteRt(tflite));
    try {
      const [y] = await rt.run([Float32Array.of(Math.PI / 2)]);
      expect((y as Float32Array)[0]).toBeGreaterThan(0.8); // the net approximates sin(x)
    } finally {
      rt.dispose();
    }
  });
});

describe('mlshrink optimize on a directory', () => {
  it('optimizes every .tflite in it; an int8 model needs no calibration; int8 without calibration is refused', async () => {
    const models = join(dir, 'models');
    mkdirSync(models, { recursive: true });
    copyFileSync(fixturePath('tflm/hello_world_int8.tflite'), join(models, 'b_int8.tflite'));
    const out = join(dir, 'models-out');
    // --quantize int8 explicitly: the default ('auto') is dynamic without calibration data (issue 15).
    const ok = await cli('optimize', models, '-o', out, '--pack', 'none', '--quantize', 'int8');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(existsSync(join(out, 'b_int8.tflite'))).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'b_int8.report.json'), 'utf8')) as OptimizeReport;
    expect(report.passes[0]!.stats.alreadyQuantized).toBe(true);
    expect(report.warnings).toContain('no --eval data: accuracy not measured');

    copyFileSync(fixturePath('tflm/hello_world_float.tflite'), join(models, 'a_float.tflite'));
    const refused = await cli('optimize', models, '-o', out, '--quantize', 'int8');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^mlshrink: 1 of 2 models failed: .*a_float\.tflite: --quantize int8 needs --calibration/);
    expect(refused.stdout).toMatch(/ok: .*b_int8\.tflite/);
  });
});

describe('mlshrink optimize on a small classifier', () => {
  const app = join(dir, 'app');
  const modelPath = join(app, 'chain.tflite');
  const size = 28 * 28;

  beforeAll(async () => {
    mkdirSync(join(app, 'cal'), { recursive: true });
    const model = syntheticConvChain();
    const bytes = writeModel(model);
    writeFileSync(modelPath, bytes);
    const rand = prng(11);
    for (let i = 0; i < 24; i++) {
      writeFileSync(join(app, 'cal', `s${String(i).padStart(2, '0')}.f32`), f32(Float32Array.from({ length: size }, () => rand())));
    }
    // Labeled CSV eval set; the labels are the original's own predictions, so accuracy before is 100 %.
    const runner = await openFloatRunner({ bytes, model });
    const lines = ['label,' + Array.from({ length: size }, (_, i) => `p${i}`).join(',')];
    for (let i = 0; i < 40; i++) {
      const pixels = Array.from({ length: size }, () => Math.floor(rand() * 256));
      const [y] = await runner.run(Float32Array.from(pixels, (p) => p / 255));
      lines.push(`${argmax(y!)},${pixels.join(',')}`);
    }
    runner.dispose();
    writeFileSync(join(app, 'eval.csv'), `${lines.join('\n')}\n`);
    writeFileSync(
      join(app, 'mlshrink.config.json'),
      // Random weights have no margin, so 50 % pruning scrambles this net's predictions: this case
      // checks the mechanics (budget 1 = anything goes); the budget itself is checked below.
      JSON.stringify({ prune: 0.5, cluster: 16, calibration: 'cal', eval: 'eval.csv', maxAccuracyDrop: 1 }),
    );
  });

  it('uses the config file beside the model: prunes, quantizes, clusters, evaluates with labels', async () => {
    const out = join(dir, 'chain-out');
    const r = await cli('optimize', modelPath, '-o', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'chain.report.json'), 'utf8')) as OptimizeReport;
    expect(report.passes.map((p) => p.name)).toEqual(['prune-magnitude', 'quantize-int8', 'cluster-weights']);
    expect(report.budget.metric).toBe('accuracy');
    expect(report.evaluation!.accuracyBefore).toBe(1);
    expect(report.accuracyDrop).toBeCloseTo(1 - report.evaluation!.accuracyAfter!, 12);
    expect(report.after.weightSparsity).toBeGreaterThan(0.49);
    expect(report.before.weightSparsity).toBe(0);
    expect(report.after.params).toBe(report.before.params);
    expect(report.after.macs).toBe(report.before.macs);

    // The written model is int8 with ≤ 16 distinct codes in the clustered FC weights, and runs.
    const tflite = unpackModel(readFileSync(join(out, 'chain.tflite.mlshrink')));
    const m = readModel(tflite);
    const sg = m.subgraphs[0]!;
    const fcs = sg.operators.filter((op) => m.operatorCodes[op.opcodeIndex]!.builtinCode === 9);
    const w = sg.tensors[weightTensors(m, 0, fcs[0]!)!.weight]!;
    expect(new Set(tensorData(m, w) as Int8Array).size).toBeLessThanOrEqual(16);
    const rt = await loadLiteRt(tflite);
    try {
      const [y] = await rt.run([new Float32Array(size).fill(0.5)]);
      expect(y).toHaveLength(10);
    } finally {
      rt.dispose();
    }

    // Deterministic: a second run writes the same bytes.
    const again = join(dir, 'chain-out-2');
    expect((await cli('optimize', modelPath, '-o', again)).code).toBe(0);
    for (const f of ['chain.tflite.mlshrink', 'chain.report.json', 'chain.report.html']) expect(readFileSync(join(again, f))).toEqual(readFileSync(join(out, f)));
  });

  it('exits 2 with one line and writes only the report when the budget fails (a file it did not write stays)', async () => {
    const out = join(dir, 'chain-fail');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'chain.tflite.mlshrink'), 'older');
    const r = await cli('optimize', modelPath, '-o', out, '--channels', '0.5', '--max-accuracy-drop', '0');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^mlshrink: .*chain\.tflite: accuracy drop \d+\.\d\d points exceeds the budget of 0\.00; no model written/);
    expect(r.stdout).toMatch(/NOT met/);
    const report = JSON.parse(readFileSync(join(out, 'chain.report.json'), 'utf8')) as OptimizeReport;
    expect(report.ok).toBe(false);
    expect(report.output).toBeUndefined();
    expect(report.accuracyDrop).toBeGreaterThan(0);
    // Cleanup removes only what this run wrote: the older file is not this run's, so it is left alone.
    expect(readFileSync(join(out, 'chain.tflite.mlshrink'), 'utf8')).toBe('older');
  });

  it('keeps going through a directory when models miss the budget, then exits 2', async () => {
    const models = join(dir, 'mixed');
    mkdirSync(models, { recursive: true });
    copyFileSync(modelPath, join(models, 'a_chain.tflite'));
    copyFileSync(modelPath, join(models, 'b_chain.tflite'));
    const out = join(dir, 'mixed-out');
    const r = await cli('optimize', models, '-o', out, '--prune', '0.95', '--max-accuracy-drop', '0', '--quantize', 'none', '--eval', join(app, 'eval.csv'));
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toBe('mlshrink: 2 of 2 models failed: a_chain.tflite, b_chain.tflite (reasons above)\n');
    expect(r.stdout).toMatch(/FAILED: .*a_chain\.tflite: accuracy drop/);
    expect(r.stdout).toMatch(/2 models: 0 optimized, 2 failed/);
    for (const name of ['a_chain', 'b_chain']) {
      expect(existsSync(join(out, `${name}.tflite.mlshrink`))).toBe(false);
      expect(existsSync(join(out, `${name}.report.json`))).toBe(true);
    }
  });

  it('refuses an output that would overwrite the input, and a missing model', async () => {
    const copy = join(dir, 'solo');
    mkdirSync(copy, { recursive: true });
    copyFileSync(modelPath, join(copy, 'chain.tflite'));
    const before = readFileSync(join(copy, 'chain.tflite'));
    const r = await cli('optimize', join(copy, 'chain.tflite'), '-o', copy, '--pack', 'none', '--quantize', 'none');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/would overwrite the input file/);
    expect(readFileSync(join(copy, 'chain.tflite'))).toEqual(before);
    const missing = await cli('optimize', join(dir, 'nope.tflite'), '-o', join(dir, 'x'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.tflite: no such file/);
  });
});
