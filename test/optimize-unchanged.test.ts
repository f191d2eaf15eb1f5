/**
 * A pass with nothing to do must not change the model: `--quantize dynamic` (or float16) on an already-int8
 * model writes the input's own bytes, not our re-layout of them (person_detect grew by 248 bytes before).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unpackModel } from '../compiler/src/pack/index.js';
import { fixturePath } from '../compiler/src/testing/fixtures.js';
import { runCliInProcess } from '../compiler/src/testing/run-cli.js';
import { readModel } from '../compiler/src/tflite/read.js';
import { writeModel } from '../compiler/src/tflite/write.js';

const dir = mkdtempSync(join(tmpdir(), 'mlshrink-unchanged-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('optimize leaves a model it cannot improve byte-identical', () => {
  it.each(['dynamic', 'float16'])('--quantize %s on the int8 person_detect fixture', async (mode) => {
    const model = fixturePath('tflm/person_detect.tflite');
    const input = readFileSync(model);
    // The premise: our writer's layout of this TOCO file is not its original layout.
    expect(writeModel(readModel(new Uint8Array(input))).length).not.toBe(input.length);
    const out = join(dir, mode);
    const r = await runCliInProcess(['optimize', model, '-o', out, '--quantize', mode]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const packed = readdirSync(out).find((f) => f.endsWith('.mlshrink'))!;
    const written = unpackModel(new Uint8Array(readFileSync(join(out, packed))));
    expect(Buffer.from(written).equals(input)).toBe(true);
  });

  it('--quantize float16 on an fp16-weight MediaPipe model (no fold, so block-sparse weights are never densified)', async () => {
    const model = fixturePath('mediapipe/face_detection_short_range.tflite');
    const out = join(dir, 'fp16-model');
    const r = await runCliInProcess(['optimize', model, '-o', out, '--quantize', 'float16', '--pack', 'none']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, 'face_detection_short_range.tflite')).equals(readFileSync(model))).toBe(true);
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
    expect(Buffer.from(written).equals(readFileSync(model))).toBe(true);
  });

  it('a two-input model that does need calibration is still refused with one line', async () => {
    const cal = join(dir, 'cal');
    const model = fixturePath('tflm/simple_add_model.tflite');
    const r = await runCliInProcess(['optimize', model, '-o', join(dir, 'add-eval'), '--eval', cal]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exactly one input/);
  });
});
