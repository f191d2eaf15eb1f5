/**
 * IDX images on a flat-input model: `optimize` calibrates, fine-tunes and evaluates LeNet-300-100 (input
 * [1,784]) on the Fashion-MNIST IDX files, as it does a [1,28,28,1] CNN; an input of another size is a
 * user error (exit 2) naming the file.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIR } from '../compiler/src/data/fashion-mnist.js';
import { lenet300100 } from '../compiler/src/testing/lenets.js';
import { runCliInProcess } from '../compiler/src/testing/run-cli.js';
import { Act, IrBuilder } from '../compiler/src/train/students/ir-builder.js';
import { writeModel } from '../compiler/src/tflite/write.js';

const test = join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz');
const train = join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz');
const dir = mkdtempSync(join(tmpdir(), 'mlshrink-flat-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(test) || !existsSync(train))('IDX data on a flat-input model', () => {
  it('calibrates, fine-tunes and evaluates LeNet-300-100 ([1,784]) on Fashion-MNIST IDX', async () => {
    const model = join(dir, 'lenet300.tflite');
    writeFileSync(model, writeModel(lenet300100()));
    const out = join(dir, 'out');
    const r = await runCliInProcess(['optimize', model, '-o', out, '--quantize', 'int8', '--calibration', test, '--eval', test,
      '--finetune', '1', '--finetune-data', train, '--finetune-samples', '64', '--max-accuracy-drop', '1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'lenet300.report.json'), 'utf8')) as { passes: { name: string; stats: Record<string, unknown> }[] };
    expect(report.passes.map((p) => p.name)).toEqual(['finetune', 'quantize-int8']);
    expect(report.passes[0]!.stats).toMatchObject({ samples: 64, labeled: true });
  }, 120_000);

  it('refuses images that do not fit a flat input as a user error', async () => {
    const b = new IrBuilder(1, 'flat-100');
    const model = join(dir, 'flat100.tflite');
    writeFileSync(model, writeModel(b.finish([b.dense(b.input('input', [1, 100]), 10, Act.NONE)])));
    const r = await runCliInProcess(['optimize', model, '-o', join(dir, 'out2'), '--calibration', test, '--eval', test]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${test}: a 28x28 image does not fit model input [1,100]`);
  });
});
