import { describe, expect, it } from 'vitest';
import { liteRtOutputBytes } from '../testing/litert-outputs.js';
import { readFixture } from '../testing/fixtures.js';
import { personDetectInput } from '../testing/person-detect.js';
import { readModel } from '../tflite/read.js';
import { writeModel } from '../tflite/write.js';
import { compactLayout } from './compact-layout.js';
import type { Model } from './model.js';

const outputs = liteRtOutputBytes;

const emptyBuffersBeyondZero = (m: Model): number => m.buffers.filter((b, i) => i > 0 && b.data.length === 0).length;
const emptyQuantTables = (m: Model): number =>
  m.subgraphs.flatMap((sg) => sg.tensors).filter((t) => t.quantization && !t.quantization.scale?.length && !t.quantization.min?.length && !t.quantization.zeroPoint?.length && !t.quantization.details).length;

describe('compactLayout', () => {
  it('MLIR-converted simple_add: activations share buffer 0, no empty quantization tables; same outputs in LiteRT, metadata and signature kept', async () => {
    const bytes = readFixture('tflm/simple_add_model.tflite');
    const model = readModel(bytes);
    expect(emptyBuffersBeyondZero(model)).toBeGreaterThan(0); // the premise: one empty buffer per activation
    const compact = compactLayout(model);
    expect(emptyBuffersBeyondZero(compact)).toBe(0);
    expect(emptyQuantTables(compact)).toBe(0);
    expect(compact.metadata?.map((m) => [m.name, Array.from(compact.buffers[m.buffer]!.data)])).toEqual(model.metadata?.map((m) => [m.name, Array.from(model.buffers[m.buffer]!.data)]));
    expect(compact.signatureDefs).toEqual(model.signatureDefs);
    const written = writeModel(compact);
    // ai-edge-quantizer 0.10 writes this model in 928 bytes (its input is 976).
    expect(written.length).toBeLessThanOrEqual(928);
    const x = [Int8Array.from({ length: 16384 }, (_, i) => (i % 251) - 125), Int8Array.from({ length: 16384 }, (_, i) => 60 - (i % 97))];
    expect(await outputs(written, x)).toEqual(await outputs(bytes, x));
  });

  it('int8 person_detect: equal per-channel zero points are written once, 40 KB smaller, same scores', async () => {
    const bytes = readFixture('tflm/person_detect.tflite');
    const written = writeModel(compactLayout(readModel(bytes)));
    expect(written.length).toBeLessThan(bytes.length - 40_000);
    const x = [personDetectInput('person.bmp')];
    expect(await outputs(written, x)).toEqual(await outputs(bytes, x));
  });
});
