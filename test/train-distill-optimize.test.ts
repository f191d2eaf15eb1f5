/**
 * A distilled student goes through the rest of mlshrink: `mlshrink distill` from the reference Fashion-MNIST
 * CNN into a ShuffleNetV2 student (a short run on a slice of the training set), then `mlshrink optimize`
 * (int8 + packing) on the student; the packed student decodes, runs in LiteRT and agrees with the float one.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIR, fashionMnistAvailable } from '../compiler/src/data/fashion-mnist.js';
import { loadLabeledData } from '../compiler/src/eval/labeled-data.js';
import { loadLiteRt } from '../compiler/src/eval/litert.js';
import { argmax } from '../compiler/src/eval/fidelity.js';
import { unpackModel } from '../compiler/src/pack/index.js';
import { REPO_ROOT } from '../compiler/src/testing/fixtures.js';
import { runCliInProcess, type CliResult } from '../compiler/src/testing/run-cli.js';

const teacher = join(REPO_ROOT, 'sample-android-app/src/main/assets/fashion_mnist_cnn.tflite');
const dir = mkdtempSync(join(tmpdir(), 'mlshrink-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]): Promise<CliResult> => runCliInProcess(args);

describe.skipIf(!existsSync(teacher) || !fashionMnistAvailable())('distill → optimize', () => {
  it('the distilled student is int8-quantized, packed, and still classifies like its float self in LiteRT', async () => {
    const train = join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz');
    const test = join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz');
    const student = join(dir, 'student.tflite');
    const d = await cli('distill', '--teacher', teacher, '--student', 'shufflenetv2:0.25', '--idx', train, '--limit', '384',
      '--epochs', '2', '--lr', '0.003', '--seed', '1', '-o', student);
    expect(d.stderr).toBe('');
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/384 training samples \(labeled\)/);

    const out = join(dir, 'out');
    const o = await cli('optimize', student, '-o', out, '--calibration', test, '--quantize', 'int8');
    expect(o.stderr).toBe('');
    expect(o.code).toBe(0);
    const packed = readFileSync(join(out, 'student.tflite.mlshrink'));
    const floatBytes = new Uint8Array(readFileSync(student));
    expect(packed.length).toBeLessThan(floatBytes.length / 3);

    const data = loadLabeledData(test, [1, 28, 28, 1], '[0,1]', 100);
    const f = await loadLiteRt(floatBytes);
    const q = await loadLiteRt(unpackModel(packed));
    let agree = 0;
    let correct = 0;
    try {
      for (let i = 0; i < data.inputs.length; i++) {
        const [pf] = (await f.run([data.inputs[i]])) as Float32Array[];
        const [pq] = (await q.run([data.inputs[i]])) as Float32Array[];
        if (argmax(pf!) === argmax(pq!)) agree++;
        if (argmax(pf!) === data.labels![i]) correct++;
      }
    } finally {
      f.dispose();
      q.dispose();
    }
    expect(correct).toBeGreaterThan(40); // well above the 10 % of chance after two short epochs
    expect(agree).toBeGreaterThanOrEqual(90);
  });
});
