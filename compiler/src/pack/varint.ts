/**
 * Unsigned LEB128 integers of the v2 header (docs/format.md "Varints"): 7 bits per byte, least
 * significant group first, high bit set on every byte but the last. At most 5 bytes and below 2^32;
 * the shortest encoding only, so every value has exactly one encoding.
 */
import { PackFormatError } from './errors.js';

export function varintLength(v: number): number {
  let n = 1;
  while (v >= 0x80) { v = Math.floor(v / 128); n++; }
  return n;
}

export function writeVarint(out: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    out[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[pos++] = v;
  return pos;
}

/** Reads the varint at `pos` (which must be < `end`); returns [value, position after it]. */
export function readVarint(bytes: Uint8Array, pos: number, end: number, what: string): [number, number] {
  let v = 0;
  for (let i = 0; i < 5; i++) {
    if (pos >= end) throw new PackFormatError(`truncated ${what}`);
    const b = bytes[pos++];
    v += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) {
      if (b === 0 && i > 0) throw new PackFormatError(`${what}: non-minimal varint`);
      if (v > 0xffffffff) throw new PackFormatError(`${what}: varint exceeds 32 bits`);
      return [v, pos];
    }
  }
  throw new PackFormatError(`${what}: varint longer than 5 bytes`);
}
