import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';

/** Bit-at-a-time CRC-32C straight from the definition, to check the sliced tables against. */
function reference(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of data) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  it('gives the standard check values', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
  });

  it('matches the bitwise definition at every length and offset around the 16-byte steps', () => {
    const buf = new Uint8Array(300);
    let x = 12345;
    for (let i = 0; i < buf.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      buf[i] = x >>> 24;
    }
    for (let off = 0; off < 5; off++) {
      for (let len = 0; len + off <= buf.length; len += 1 + (len >> 4)) {
        const d = buf.subarray(off, off + len);
        expect(crc32c(d)).toBe(reference(d));
      }
    }
  });
});
