import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { encodeNpy } from '../eval/npy.js';
import { controlFlowNet, dynamicLengthNet, framingNet } from '../testing/control-flow-net.js';
import { loadLiteRt } from '../eval/litert.js';
import { prepareBytesForLiteRt } from '../eval/litert-compat.js';
import { writeModel } from '../tflite/write.js';
import { fitsSignature, resolveInputShapes, withInputShapes } from './input-shape.js';

const dir = mkdtempSync(join(tmpdir(), 'mlshrink-input-shape-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function npy(file: string, shape: number[]): void {
  writeFileSync(file, encodeNpy(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape));
}

describe('resolveInputShapes', () => {
  it('a static input keeps its stored shape', () => {
    expect(resolveInputShapes('m', controlFlowNet(), undefined)).toEqual([{ tensor: 0, name: 'x', shape: [1, 64], changed: false }]);
  });

  it('refuses to measure at the placeholder of a dynamic length, naming the flag', () => {
    expect(() => resolveInputShapes('audio.tflite', dynamicLengthNet(), undefined)).toThrow(UserError);
    expect(() => resolveInputShapes('audio.tflite', dynamicLengthNet(), undefined)).toThrow(
      /audio\.tflite: input "x" has a dynamic shape \[1,-1\] \(stored placeholder \[1,1\]\).*--input-shape x=1,N/,
    );
  });

  it('takes --input-shape when it fits the signature, refuses it when not', () => {
    expect(resolveInputShapes('m', dynamicLengthNet(), { x: [1, 1280] })[0]).toMatchObject({ shape: [1, 1280], changed: true });
    expect(() => resolveInputShapes('m', dynamicLengthNet(), { x: [2, 1280] })).toThrow(/does not fit the input's shape signature \[1,-1\]/);
    expect(() => resolveInputShapes('m', dynamicLengthNet(), { audio: [1, 1280] })).toThrow(/no input of the model \(inputs: x\)/);
  });

  it('reads the sample shape off the data: [N, ...sample] or one sample', () => {
    const batch = join(dir, 'batch');
    const single = join(dir, 'single');
    const wrong = join(dir, 'wrong');
    for (const d of [batch, single, wrong]) rmSync(d, { recursive: true, force: true });
    mkdirSync(batch);
    mkdirSync(single);
    mkdirSync(wrong);
    npy(join(batch, 'a.npy'), [8, 1, 1280]);
    npy(join(single, 'a.npy'), [1, 640]);
    npy(join(wrong, 'a.npy'), [8, 2, 1280]);
    expect(resolveInputShapes('m', dynamicLengthNet(), undefined, batch)[0]!.shape).toEqual([1, 1280]);
    expect(resolveInputShapes('m', dynamicLengthNet(), undefined, single)[0]!.shape).toEqual([1, 640]);
    expect(() => resolveInputShapes('m', dynamicLengthNet(), undefined, wrong)).toThrow(/dynamic shape/);
  });

  it('withInputShapes carries the length through element-wise ops (LiteRT.js sizes outputs from stored shapes)', () => {
    const m = dynamicLengthNet();
    const pinned = withInputShapes(m, resolveInputShapes('m', m, { x: [1, 1280] }));
    expect(pinned.subgraphs[0]!.tensors.map((t) => t.shape)).toEqual([[1, 1280], [], [1, 1280], [1, 1280], [], [1, 1280]]);
    expect(m.subgraphs[0]!.tensors[0]!.shape).toEqual([1, 1]); // the input model is not touched
  });

  it('withInputShapes carries the length through EXPAND_DIMS, CONV_2D, SQUEEZE, BATCH_MATMUL, MEAN; LiteRT then computes every frame', async () => {
    const m = framingNet();
    const pinned = withInputShapes(m, resolveInputShapes('m', m, { x: [1, 64] }));
    const shapes = Object.fromEntries(pinned.subgraphs[0]!.tensors.map((t) => [t.name, t.shape]));
    // 64 samples, 8 taps, stride 4, VALID: 15 frames.
    expect(shapes).toMatchObject({ x3: [1, 1, 64], x4: [1, 1, 64, 1], framed: [1, 1, 15, 4], frames: [1, 15, 4], mixed: [1, 15, 3], mean: [1, 1, 3] });
    const x = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i) * 3);
    const rt = await loadLiteRt(prepareBytesForLiteRt(writeModel(pinned)));
    try {
      const [mean, frames] = (await rt.run([x])) as Float32Array[];
      expect(frames).toHaveLength(45);
      for (let f = 0; f < 15; f++) for (let j = 0; j < 3; j++) expect(frames![f * 3 + j]).toBeCloseTo(10 * x[4 * f]!, 4);
      const want = (10 * Array.from({ length: 15 }, (_, f) => x[4 * f]!).reduce((a, b) => a + b, 0)) / 15;
      for (const v of mean!) expect(v).toBeCloseTo(want, 4);
    } finally {
      rt.dispose();
    }
  });

  it('fitsSignature', () => {
    expect(fitsSignature([1, 5], [-1, -1])).toBe(true);
    expect(fitsSignature([1, 5], [1, 4])).toBe(false);
    expect(fitsSignature([1, 5, 1], [-1, -1])).toBe(false);
  });
});
