import { describe, expect, it } from 'vitest';
import { loadLiteRt } from './litert.js';
import { needsLiteRtPreparation, prepareBytesForLiteRt, prepareForLiteRt } from './litert-compat.js';
import { readFixture } from '../testing/fixtures.js';
import { personDetectInput } from '../testing/person-detect.js';
import { prng } from '../util/prng.js';
import { readModel } from '../tflite/read.js';
import { writeModel } from '../tflite/write.js';

describe('prepareBytesForLiteRt', () => {
  it('lets LiteRT run the original person_detect file, which classifies person vs no person', async () => {
    const original = readFixture('tflm/person_detect.tflite');
    await expect(loadLiteRt(original)).rejects.toThrow(/quantized_dimension/);
    const patched = prepareBytesForLiteRt(original);
    expect(patched.byteLength).toBe(original.byteLength);
    expect(original).toEqual(readFixture('tflm/person_detect.tflite')); // input untouched
    const model = await loadLiteRt(patched);
    try {
      expect(model.outputs[0]).toMatchObject({ shape: [1, 2], dtype: 'int8' });
      const [person] = (await model.run([personDetectInput('person.bmp')])) as Int8Array[];
      const [noPerson] = (await model.run([personDetectInput('no_person.bmp')])) as Int8Array[];
      // Verified, not assumed: output 1 (person) wins on person.bmp, output 0 on no_person.bmp.
      expect(person[1]).toBeGreaterThan(person[0]);
      expect(noPerson[0]).toBeGreaterThan(noPerson[1]);
    } finally {
      model.dispose();
    }
  });

  it('pins the dynamic batch of hello_world, which then computes about sin(x)', async () => {
    await expect(loadLiteRt(readFixture('tflm/hello_world_float.tflite'))).rejects.toThrow(/dynamic shape/);
    const model = await loadLiteRt(prepareBytesForLiteRt(readFixture('tflm/hello_world_float.tflite')));
    try {
      expect(model.inputs[0]).toMatchObject({ shape: [1, 1], dtype: 'float32' });
      for (const x of [0, 0.5, 1, 2, 3, 4.5, 6]) {
        const [y] = (await model.run([new Float32Array([x])])) as Float32Array[];
        expect(Math.abs(y[0] - Math.sin(x))).toBeLessThan(0.15);
      }
    } finally {
      model.dispose();
    }
  });

  it('leaves files LiteRT already accepts byte-identical', () => {
    const bytes = readFixture('mediapipe/hand_landmark_lite.tflite');
    expect(Buffer.from(prepareBytesForLiteRt(bytes)).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('prepareForLiteRt (IR)', () => {
  it.each(['tflm/person_detect.tflite', 'tflm/hello_world_int8.tflite'])(
    '%s: the IR fix computes exactly what the in-place byte patch computes',
    async (rel) => {
      const original = readFixture(rel);
      const ir = readModel(original);
      expect(needsLiteRtPreparation(ir)).toBe(true);
      const prepared = prepareForLiteRt(ir);
      expect(needsLiteRtPreparation(prepared)).toBe(false);
      expect(prepared.buffers).toBe(ir.buffers); // weights shared, not copied
      const viaIr = await loadLiteRt(writeModel(prepared));
      const viaBytes = await loadLiteRt(prepareBytesForLiteRt(original));
      try {
        const rand = prng(5);
        const n = viaBytes.inputs[0].shape.reduce((a, b) => a * b, 1);
        const input = new Int8Array(n).map(() => Math.floor(rand() * 256) - 128);
        const [a] = await viaIr.run([input]);
        const [b] = await viaBytes.run([input]);
        expect(Array.from(a as Int8Array)).toEqual(Array.from(b as Int8Array));
      } finally {
        viaIr.dispose();
        viaBytes.dispose();
      }
    },
  );

  it('needs nothing for models LiteRT already accepts', () => {
    expect(needsLiteRtPreparation(readModel(readFixture('mediapipe/hand_landmark_lite.tflite')))).toBe(false);
  });
});
