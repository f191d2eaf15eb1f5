/**
 * `optimize --weight-bits 4` end to end on the sample app's trained CNN: every weight layer becomes
 * packed INT4 (its kernels — CONV_2D, FULLY_CONNECTED with int8 activations — take int4), the
 * report shows the weights in RAM at about half their int8 size beside the packed bytes, the packed
 * file decodes to the written model, and that model keeps its accuracy in LiteRT. Where 4 bits cost
 * too much, the budget check retreats to int8 weights first.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TensorType } from '../compiler/src/ir/tensor-type.js';
import { verifyModel } from '../compiler/src/ir/verify.js';
import { unpackModel } from '../compiler/src/pack/index.js';
import { fixturePath } from '../compiler/src/testing/fixtures.js';
import { runCliInProcess } from '../compiler/src/testing/run-cli.js';
import { readModel } from '../compiler/src/tflite/read.js';

const MODEL = 'sample-android-app/src/main/assets/fashion_mnist_cnn.tflite';
const DATA = 'sample-android-app/mlshrink/calibration';
const dir = mkdtempSync(join(tmpdir(), 'mlshrink-int4-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Report {
  before: { runtimeWeightBytes: number };
  after: { bytes: number; packedBytes: number; runtimeWeightBytes: number };
  passes: { name: string; stats: Record<string, unknown> }[];
  evaluation: { accuracyBefore: number; accuracyAfter: number };
}

describe('optimize --weight-bits 4', () => {
  it('stores the CNN weights as int4: half the int8 weight RAM, accuracy kept, packed output decodes to it', async () => {
    const out = join(dir, 'out');
    const r = await runCliInProcess(['optimize', MODEL, '-o', out, '--quantize', 'int8', '--weight-bits', '4', '--calibration', DATA, '--eval', DATA, '--max-accuracy-drop', '0.03']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/weights in RAM \(bytes\)/);
    const report = JSON.parse(readFileSync(join(out, 'fashion_mnist_cnn.report.json'), 'utf8')) as Report;
    expect(report.passes.map((p) => p.name)).toEqual(['quantize-int8', 'quantize-int4']);
    expect(report.passes[1]!.stats).toMatchObject({ int4Tensors: 4, keptInt8: {} });

    const written = unpackModel(new Uint8Array(readFileSync(join(out, 'fashion_mnist_cnn.tflite.mlshrink'))));
    expect(written.byteLength).toBe(report.after.bytes);
    const model = readModel(written);
    expect(verifyModel(model).filter((i) => i.check !== 'shape')).toEqual([]);
    const sg = model.subgraphs[0]!;
    const weights = sg.operators.map((op) => sg.tensors[op.inputs[1] ?? -1]).filter((t) => t && t.buffer > 0 && (t.shape?.length ?? 0) > 1);
    expect(weights.map((t) => t!.type)).toEqual([TensorType.INT4, TensorType.INT4, TensorType.INT4, TensorType.INT4]);

    // Float weights are 4 bytes each, int8 1, int4 0.5 (biases stay 4 bytes): about an eighth of the float bytes.
    const { before, after } = report;
    console.log(`int4 CNN: ${after.bytes} B .tflite, ${after.packedBytes} B packed, weights in RAM ${before.runtimeWeightBytes} → ${after.runtimeWeightBytes} B, accuracy ${report.evaluation.accuracyBefore} → ${report.evaluation.accuracyAfter}`);
    expect(after.runtimeWeightBytes / before.runtimeWeightBytes).toBeGreaterThan(0.12);
    expect(after.runtimeWeightBytes / before.runtimeWeightBytes).toBeLessThan(0.13);
    expect(report.evaluation.accuracyBefore - report.evaluation.accuracyAfter).toBeLessThan(0.03);
  }, 120_000);

  it('falls back to int8 weights when int4 misses the fidelity budget (face_detection_short_range, dynamic range)', async () => {
    const out = join(dir, 'fallback');
    const r = await runCliInProcess(['optimize', fixturePath('mediapipe/face_detection_short_range.tflite'), '-o', out, '--quantize', 'dynamic', '--weight-bits', '4']);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'face_detection_short_range.report.json'), 'utf8')) as Report & { warnings: string[]; fidelity: { met: boolean; worst: { loss: number } } };
    expect(report.warnings).toContain('int4 weights missed the budget; int8 weights kept (--weight-bits 8 skips the try)');
    expect(report.passes.map((p) => p.name)).toEqual(['fold-fp16-weights', 'quantize-dynamic']);
    expect(report.fidelity.met).toBe(true);
    const model = readModel(unpackModel(new Uint8Array(readFileSync(join(out, 'face_detection_short_range.tflite.mlshrink')))));
    expect(model.subgraphs[0]!.tensors.some((t) => t.type === TensorType.INT4)).toBe(false);
  }, 60_000);

  it('refuses 4-bit weights without integer quantization, and other bit widths, as user errors', async () => {
    const a = await runCliInProcess(['optimize', MODEL, '-o', join(dir, 'bad'), '--quantize', 'float16', '--weight-bits', '4']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--weight-bits 4 needs integer weights: --quantize int8 or dynamic \(got float16\)/);
    const b = await runCliInProcess(['optimize', MODEL, '-o', join(dir, 'bad'), '--weight-bits', '5']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/weightBits.*must be 4 or 8, got 5/);
  });
});
