import { describe, expect, it } from 'vitest';
import { decodeBytes, encodeBytes } from './byte-coder.js';
import { PackFormatError } from './errors.js';
import { decodeInt8, encodeInt8 } from './int8-coder.js';
import { laplacianInt8, unevenRowsInt8 } from './synthetic.js';

/** `payload` at offset `at` in a buffer with `after` bytes of 0xff-ish noise behind it. */
function embed(payload: Uint8Array, at: number, after: number): Uint8Array {
  const buf = new Uint8Array(at + payload.length + after);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 151 + 7) & 0xff;
  buf.set(payload, at);
  return buf;
}

// The decoders read windows in place, past the section's end into whatever follows it (the next
// section), and switch to a padded copy only near the end of the whole input.
describe('section decoding in place', () => {
  const weights = unevenRowsInt8(8, 1000, 3);
  const int8Payload = encodeInt8(weights, 3, undefined, true);
  const bytes = laplacianInt8(5000, 0.1, 30, 8);
  const bytesPayload = encodeBytes(bytes, 2);

  it.each([0, 1, 3, 7, 8, 20, 100])('decodes the same with %i bytes of other data after the section', (after) => {
    const a = embed(int8Payload, 5, after);
    const out = new Uint8Array(weights.length);
    decodeInt8(a, 5, 5 + int8Payload.length, 3, out, 0, weights.length, true);
    expect(Buffer.from(out).equals(Buffer.from(weights))).toBe(true);
    const b = embed(bytesPayload, 3, after);
    const outB = new Uint8Array(bytes.length);
    decodeBytes(b, 3, 3 + bytesPayload.length, 2, outB, 0, bytes.length);
    expect(Buffer.from(outB).equals(Buffer.from(bytes))).toBe(true);
  });

  it.each([0, 1, 8, 100])('rejects a section cut short even when other data follows it (%i bytes)', (after) => {
    for (const cut of [1, 2, 5]) {
      const a = embed(int8Payload.subarray(0, int8Payload.length - cut), 0, after + cut);
      a.set(int8Payload.subarray(int8Payload.length - cut), int8Payload.length - cut); // the lost bytes follow it
      expect(() => decodeInt8(a, 0, int8Payload.length - cut, 3, new Uint8Array(weights.length), 0, weights.length, true)).toThrow(PackFormatError);
      const b = embed(bytesPayload, 0, after);
      expect(() => decodeBytes(b, 0, bytesPayload.length - cut, 2, new Uint8Array(bytes.length), 0, bytes.length)).toThrow(PackFormatError);
    }
  });

  it('rejects trailing bytes inside the section', () => {
    const a = embed(int8Payload, 0, 10);
    expect(() => decodeInt8(a, 0, int8Payload.length + 1, 3, new Uint8Array(weights.length), 0, weights.length, true)).toThrow(PackFormatError);
    const b = embed(bytesPayload, 0, 0);
    const longer = new Uint8Array(b.length + 1);
    longer.set(b);
    expect(() => decodeBytes(longer, 0, longer.length, 2, new Uint8Array(bytes.length), 0, bytes.length)).toThrow(PackFormatError);
  });
});
