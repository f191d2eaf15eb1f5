/**
 * `mlshrink optimize --finetune`: the reference Fashion-MNIST CNN is fine-tuned (a couple of steps on a
 * slice of the calibration images, distilled from the original), pruned to 80 % and int8-quantized; the
 * output runs in LiteRT, every weight tensor holds exactly the target zeros, and the report records the
 * fine-tuning. Plus the option checks that need no training.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLiteRt } from '../compiler/src/eval/litert.js';
import { tensorData, weightTensors } from '../compiler/src/ir/graph.js';
import type { Model } from '../compiler/src/ir/model.js';
import { DEFAULT_OPTIONS } from '../compiler/src/pipeline/config.js';
import { optimizeFile } from '../compiler/src/pipeline/optimize.js';
import { unpackModel } from '../compiler/src/pack/index.js';
import { REPO_ROOT } from '../compiler/src/testing/fixtures.js';
import { runCliInProcess, type CliResult } from '../compiler/src/testing/run-cli.js';
import { TensorType } from '../compiler/src/ir/tensor-type.js';
import { readModel } from '../compiler/src/tflite/read.js';

const modelPath = join(REPO_ROOT, 'sample-android-app/src/main/assets/fashion_mnist_cnn.tflite');
const calibration = join(REPO_ROOT, 'sample-android-app/mlshrink/calibration');
const dir = mkdtempSync(join(tmpdir(), 'mlshrink-finetune-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]): Promise<CliResult> => runCliInProcess(args);

describe.skipIf(!existsSync(modelPath) || !existsSync(calibration))('optimize --finetune', () => {
  it('fine-tunes, prunes the inner layers to exactly 80 % (first/last stay dense, as without --finetune), quantizes to int8, and LiteRT runs the result', async () => {
    const out = join(dir, 'out');
    const r = await cli('optimize', modelPath, '-o', out, '--prune', '0.8', '--quantize', 'int8', '--finetune', '1',
      '--finetune-data', calibration, '--finetune-samples', '64', '--calibration', calibration, '--max-accuracy-drop', '1');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    const report = JSON.parse(readFileSync(join(out, 'fashion_mnist_cnn.report.json'), 'utf8')) as {
      passes: { name: string; stats: Record<string, unknown> }[];
    };
    expect(report.passes.map((p) => p.name)).toEqual(['finetune', 'prune-magnitude', 'quantize-int8']);
    const ft = report.passes[0]!.stats;
    expect(ft).toMatchObject({ epochs: 1, samples: 64, labeled: true, prunedLayers: 2, qat: true });
    expect(typeof ft.finalLoss).toBe('number');

    const bytes = unpackModel(new Uint8Array(readFileSync(join(out, 'fashion_mnist_cnn.tflite.mlshrink'))));
    const model = readModel(bytes);
    const sg = model.subgraphs[0]!;
    const zeroFractions: number[] = [];
    for (const op of sg.operators) {
      const w = weightTensors(model, sg, op);
      if (!w) continue;
      const t = sg.tensors[w.weight]!;
      const data = model.buffers[t.buffer]!.data;
      expect(t.type).toBe(TensorType.INT8);
      zeroFractions.push(data.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) / data.length);
    }
    // conv1, conv2, dense1, dense2: the default pruneSkipFirst/Last keep the outer layers dense.
    expect(zeroFractions).toHaveLength(4);
    expect(zeroFractions[1]).toBeCloseTo(0.8, 3);
    expect(zeroFractions[2]).toBeCloseTo(0.8, 3);
    expect(zeroFractions[0]).toBeLessThan(0.2);
    expect(zeroFractions[3]).toBeLessThan(0.2);

    const rt = await loadLiteRt(bytes);
    try {
      const [y] = (await rt.run([new Float32Array(28 * 28).fill(0.5)])) as Float32Array[];
      expect(y!.length).toBe(10);
      expect(y!.every(Number.isFinite)).toBe(true);
    } finally {
      rt.dispose();
    }
  }, 60_000);

  it('the prune pass keeps the fine-tuned zeros (they are the smallest magnitudes) and adds at most one per tensor', async () => {
    // Only the masks matter here (budget 1 = report only): 80 % pruning after one 64-sample epoch is not
    // meant to hold the fidelity budget, which the held-out gate checks on fresh inputs.
    const seen = new Map<string, Model>();
    await optimizeFile(modelPath, join(dir, 'mask'), { ...DEFAULT_OPTIONS, prune: 0.8, quantize: 'none', pack: 'none', finetune: 1, finetuneData: calibration, finetuneSamples: 64, maxFidelityLoss: 1 }, {
      log() {},
      onPassDone: (name, m) => seen.set(name, m),
    });
    const tuned = seen.get('finetune')!;
    const pruned = seen.get('prune-magnitude')!;
    let tensors = 0;
    let prunedLayers = 0;
    for (const op of tuned.subgraphs[0]!.operators) {
      const w = weightTensors(tuned, tuned.subgraphs[0]!, op);
      if (!w) continue;
      const a = tensorData(tuned, tuned.subgraphs[0]!.tensors[w.weight]!) as Float32Array;
      const b = tensorData(pruned, pruned.subgraphs[0]!.tensors[w.weight]!) as Float32Array;
      let tunedZeros = 0;
      let changed = 0;
      for (let i = 0; i < a.length; i++) {
        if (a[i] === 0) {
          tunedZeros++;
          expect(b[i]).toBe(0);
        }
        if (a[i] !== b[i]) changed++;
      }
      // Inner layers were pruned during fine-tuning; the first and last stay dense in both steps.
      const inner = tensors === 1 || tensors === 2;
      expect(tunedZeros).toBe(inner ? Math.floor(0.8 * a.length) : 0);
      expect(changed).toBeLessThanOrEqual(inner ? 1 : 0);
      if (inner) prunedLayers++;
      tensors++;
    }
    expect(tensors).toBe(4);
    expect(prunedLayers).toBe(2);
  }, 60_000);

  it('refuses --prune auto and missing training data with one-line user errors', async () => {
    const a = await cli('optimize', modelPath, '-o', join(dir, 'x'), '--prune', 'auto', '--finetune', '1', '--calibration', calibration);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--finetune needs a numeric --prune sparsity/);
    expect(a.stderr.trim().split('\n')).toHaveLength(1);
    const b = await cli('optimize', modelPath, '-o', join(dir, 'y'), '--prune', '0.5', '--quantize', 'none', '--finetune', '1');
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--finetune needs training inputs/);
  });
});
