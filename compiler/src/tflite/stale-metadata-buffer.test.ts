/**
 * ai-edge-quantizer writes files whose legacy metadata_buffer list points past the buffers
 * ("index 172 out of range (108 available)"); LiteRT never reads that list and runs them. We must
 * accept them too, round-trip them byte-exactly, and never let the stale entry keep or point at data.
 */
import { describe, expect, it } from 'vitest';
import { verifyModel } from '../ir/verify.js';
import { loadLiteRt } from '../eval/litert.js';
import { prepareBytesForLiteRt } from '../eval/litert-compat.js';
import { quantizeFloat16 } from '../passes/quantize-float16.js';
import type { PassResult } from '../passes/pass.js';
import { readFixture } from '../testing/fixtures.js';
import { readModel } from './read.js';
import { writeModel } from './write.js';

function staleFile(): { bytes: Uint8Array; stale: number } {
  const model = readModel(prepareBytesForLiteRt(readFixture('tflm/hello_world_float.tflite')));
  const stale = model.buffers.length + 64;
  return { bytes: writeModel({ ...model, metadataBuffer: [...(model.metadataBuffer ?? []), stale] }), stale };
}

describe('stale metadata_buffer entries (ai-edge-quantizer outputs)', () => {
  it('LiteRT runs such a file, and so does our reader: byte-exact round trip, no verify issue', async () => {
    const { bytes, stale } = staleFile();
    const rt = await loadLiteRt(bytes); // the runtime's verdict: it loads and runs
    try {
      const [out] = await rt.run([new Float32Array([0.5])]);
      expect(Number.isFinite((out as Float32Array)[0])).toBe(true);
    } finally {
      rt.dispose();
    }
    const model = readModel(bytes);
    expect(model.metadataBuffer).toContain(stale);
    expect(Buffer.from(writeModel(model)).equals(Buffer.from(bytes))).toBe(true);
    expect(verifyModel(model).filter((i) => i.check === 'index')).toEqual([]);
  });

  it('a pass that rewrites the model drops the stale entry instead of letting it name a new buffer', () => {
    const model = readModel(staleFile().bytes);
    const { model: half } = quantizeFloat16.run(model, {}, { log() {} }) as PassResult;
    expect((half.metadataBuffer ?? []).every((b) => b < half.buffers.length)).toBe(true);
    expect(half.metadataBuffer ?? []).not.toContain(staleFile().stale);
    expect(() => readModel(writeModel(half))).not.toThrow();
  });
});
