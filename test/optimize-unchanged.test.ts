/**
 * A pass with nothing to do must not change the model: `--quantize dynamic` (or float16) on an already-int8
 * model writes the same graph, never a larger file than the input: our compact layout of it when that is
 * smaller (person_detect: shared zero points, no per-activation empty buffers), else the input's own bytes.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { liteRtOutputBytes } from '../compiler/src/testing/litert-outputs.js';
import { unpackModel } from '../compiler/src/pack/index.js';
import { personDetectInput } from '../compiler/src/testing/person-detect.js';
import { fixturePath } from '../compiler/src/testing/fixtures.js';
import { runCliInProcess } from '../compiler/src/testing/run-cli.js';
import { readModel } from '../compiler/src/tflite/read.js';
import { writeModel } from '../compiler/src/tflite/write.js';
import { compactLayout } from '../compiler/src/ir/compact-layout.js';

const dir = mkdtempSync(join(tmpdir(), 'mlshrink-unchanged-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const outputs = liteRtOutputBytes;

/** The graph without its layout: ops, tensor types/shapes/quantization and constant bytes. */
function graphOf(bytes: Uint8Array): string {
  const m = readModel(bytes);
  return JSON.stringify(
    m.subgraphs.map((sg) => ({
      ops: sg.operators.map((op) => [m.operatorCodes[op.opcodeIndex]!.builtinCode, op.builtinOptions, op.inputs.map((i) => (i < 0 ? i : sg.tensors[i]!.name)), op.outputs.map((i) => sg.tensors[i]!.name)]),
      tensors: sg.tensors.map((t) => [t.name, t.type, t.shape, t.quantization?.scale, t.quantization?.zeroPoint?.map(Number), t.sparsity !== undefined, Buffer.from(m.buffers[t.buffer]!.data).toString('base64')]),
    })),
  );
}

describe('optimize never makes a model it cannot improve larger', () => {
  it.each(['dynamic', 'float16'])('--quantize %s on the int8 person_detect fixture: the same graph, smaller, same scores', async (mode) => {
    const model = fixturePath('tflm/person_detect.tflite');
    const input = new Uint8Array(readFileSync(model));
    const out = join(dir, mode);
    const r = await runCliInProcess(['optimize', model, '-o', out, '--quantize', mode]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const packed = readdirSync(out).find((f) => f.endsWith('.mlshrink'))!;
    const written = unpackModel(new Uint8Array(readFileSync(join(out, packed))));
    // ai-edge-quantizer 0.10 writes this model in 300088 bytes.
    expect(written.length).toBeLessThan(300088);
    expect(graphOf(written)).toBe(graphOf(input));
    const x = [personDetectInput('person.bmp')];
    expect(await outputs(written, x)).toEqual(await outputs(input, x));
  });

  it('--quantize float16 on an fp16-weight MediaPipe model (no fold, so block-sparse weights are never densified)', async () => {
    const model = fixturePath('mediapipe/face_detection_short_range.tflite');
    const input = new Uint8Array(readFileSync(model));
    const out = join(dir, 'fp16-model');
    const r = await runCliInProcess(['optimize', model, '-o', out, '--quantize', 'float16', '--pack', 'none']);
    expect(r.code).toBe(0);
    const written = new Uint8Array(readFileSync(join(out, 'face_detection_short_range.tflite')));
    expect(written.length).toBeLessThanOrEqual(input.length);
    expect(graphOf(written)).toBe(graphOf(input));
  });

  it('a file our layout cannot shrink is shipped as the input\'s own bytes', async () => {
    // Our own compact layout of simple_add is as small as it gets: optimizing it again changes nothing.
    const compact = join(dir, 'compact-add');
    mkdirSync(compact, { recursive: true });
    const add = readModel(new Uint8Array(readFileSync(fixturePath('tflm/simple_add_model.tflite'))));
    const first = join(compact, 'add.tflite');
    writeFileSync(first, writeModel(compactLayout(add)));
    const out = join(dir, 'compact-add-out');
    const r = await runCliInProcess(['optimize', first, '-o', out, '--quantize', 'dynamic', '--pack', 'none']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, 'add.tflite')).equals(readFileSync(first))).toBe(true);
  });
});

describe('an int8 model with two inputs needs no calibration', () => {
  it.each([
    ['int8', ['--quantize', 'int8']],
    ['prune-cluster-int8', ['--prune', '0.5', '--cluster', '16', '--quantize', 'int8']],
  ])('%s on tflm simple_add with --calibration given: runs, warns, output unchanged', async (name, args) => {
    const cal = join(dir, 'cal');
    mkdirSync(cal, { recursive: true });
    writeFileSync(join(cal, 'x.f32'), new Uint8Array(new Float32Array(128).buffer));
    const model = fixturePath('tflm/simple_add_model.tflite');
    const out = join(dir, `add-${name}`);
    const r = await runCliInProcess(['optimize', model, '-o', out, ...args, '--calibration', cal]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'simple_add_model.report.json'), 'utf8')) as { warnings: string[] };
    expect(report.warnings.join('\n')).toMatch(/--calibration not used/);
    const packed = readdirSync(out).find((f) => f.endsWith('.mlshrink'))!;
    const written = unpackModel(new Uint8Array(readFileSync(join(out, packed))));
    expect(written.length).toBeLessThanOrEqual(readFileSync(model).length);
    expect(graphOf(written)).toBe(graphOf(new Uint8Array(readFileSync(model))));
  });

  it('a two-input model that does need calibration is still refused with one line', async () => {
    const cal = join(dir, 'cal');
    const model = fixturePath('tflm/simple_add_model.tflite');
    const r = await runCliInProcess(['optimize', model, '-o', join(dir, 'add-eval'), '--eval', cal]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exactly one input/);
  });
});
