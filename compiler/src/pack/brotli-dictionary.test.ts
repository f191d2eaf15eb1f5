import { brotliCompressSync, brotliDecompressSync, constants as zc } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readFixture } from '../testing/fixtures.js';
import { PRIMED_PREFIX, PRIMING_DICTIONARY, encodeBrotliPrimed } from './brotli-dictionary.js';
import { readHeader } from './container.js';
import { describePacked, packModel, PackFormatError, unpackModel } from './index.js';
import { mixedPrimingFile } from './synthetic.js';

describe('primed shared streams', () => {
  it('the priming prefix decodes to the dictionary and ends mid-stream at a flush', () => {
    const out = brotliDecompressSync(PRIMED_PREFIX, { finishFlush: zc.BROTLI_OPERATION_FLUSH });
    expect(Buffer.from(out).equals(Buffer.from(PRIMING_DICTIONARY))).toBe(true);
    expect(() => brotliDecompressSync(PRIMED_PREFIX)).toThrow(); // not a complete stream
  });

  it('packs the small TFLM models below Brotli -q 11 of the whole file, primed', () => {
    for (const name of ['hello_world_int8', 'simple_add_model', 'micro_speech_quantized', 'trained_lstm_int8']) {
      const model = readFixture(`tflm/${name}.tflite`);
      const packed = packModel(model);
      const brotli = brotliCompressSync(model, { params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_SIZE_HINT]: model.length } });
      expect(packed.length, name).toBeLessThanOrEqual(brotli.length);
      expect(readHeader(packed).sharedPrimed, name).toBe(true);
      expect(describePacked(packed).sections.every((s) => s.kind !== 'shared' || s.contexts === 1)).toBe(true);
      expect(Buffer.from(unpackModel(packed)).equals(Buffer.from(model)), name).toBe(true);
    }
  });

  it('rejects a primed stream decoded as plain and SHARED entries that disagree on priming', () => {
    const model = readFixture('tflm/hello_world_int8.tflite');
    const primed = encodeBrotliPrimed(model)!;
    const mixed = mixedPrimingFile(model, primed);
    expect(() => unpackModel(mixed)).toThrow(/disagree on priming/);
    // The same stream with both entries unprimed: not a valid stream without its prefix.
    const plain = mixed.slice();
    const table = 14; // magic, version, CRC-32C, count: the first entry's kind byte
    plain[table] = 5;
    expect(() => unpackModel(plain)).toThrow(PackFormatError);
  });
});
