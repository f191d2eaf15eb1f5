/**
 * Random-access bit windows for the section decoders' hot loops. Codes are read by bit position: the 32
 * bits at any byte are one little-endian DataView load, so a decode step needs no refill branch and no
 * bit counter (the buffered BitReader's refill branch is taken unpredictably, every two or three codes).
 *
 * The view is over the packed input itself, not a copy (copying a large payload costs fresh pages and
 * GC work). A window may reach past the section's end into the next section's bytes: for a valid
 * stream those bits lie beyond the last code and do not change the lookup; a corrupt stream that uses
 * them ends past the section end and is rejected. Only a section that ends within SLACK bytes of the
 * end of the input (in practice a small last section: packed files end with flatbuffer tables, which
 * deflate takes) is decoded from a zero-padded copy.
 *
 * The loops check `bits <= limit` at the top of each step and may then read windows at bit positions up
 * to limit + 32 (a code of at most 15 bits, then at most 16 extra bits).
 */
import type { BitReader } from './bit-reader.js';
import { PackFormatError } from './errors.js';

/** Bytes a window may need after the section end: 32 bits of codes plus a 4-byte load. */
const SLACK = 8;

export interface BitWindow {
  view: DataView;
  /** The bytes `view` reads. */
  bytes: Uint8Array;
  /** Bit position of the section's end in `view`: a decode step may start at any position up to it. */
  limit: number;
  /** Bit position of the first code (after the tables the BitReader has read). */
  start: number;
}

/**
 * The codes of data[start, end) after what `br` (reading the same range) has consumed, in bit positions
 * relative to `start` (small integers for the decode loops: see int8-coder.ts, WINDOW_STEP_BITS).
 */
export function bitWindow(data: Uint8Array, start: number, end: number, br: BitReader): BitWindow {
  const first = br.pos * 8 - br.count - start * 8;
  if (end + SLACK <= data.length) {
    const view = new DataView(data.buffer, data.byteOffset + start, data.length - start);
    return { view, bytes: data.subarray(start), limit: (end - start) * 8, start: first };
  }
  const bytes = new Uint8Array(end - start + SLACK);
  bytes.set(data.subarray(start, end));
  return { view: new DataView(bytes.buffer), bytes, limit: (end - start) * 8, start: first };
}

/**
 * A section must end exactly at its last code, with zero padding bits. `bits` is the bit position after
 * the last code, in the window's coordinates (past the section end if the input is corrupt).
 */
export function finishWindow(w: BitWindow, bits: number): void {
  // Division, not shifts: positions in a payload of 256 MiB or more exceed 32 bits.
  const partial = bits % 8;
  const byte = (bits - partial) / 8;
  if (bits > w.limit || byte + (partial ? 1 : 0) !== w.limit / 8 || (partial !== 0 && w.bytes[byte] >>> partial !== 0)) {
    throw new PackFormatError('section payload length does not match its coded data');
  }
}
