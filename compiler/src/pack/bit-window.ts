/**
 * Random-access bit windows for the section decoders' hot loops. A section's codes are read by bit
 * position from a zero-padded copy of its payload: the 32 bits at any byte are one DataView load, so a
 * decode step needs no refill branch and no bit counter (the buffered BitReader's refill branch is taken
 * unpredictably, every two or three codes). The copy costs one memcpy of the payload, and its zero
 * padding makes the last codes' windows well-defined without a tail loop.
 */
import type { BitReader } from './bit-reader.js';
import { PackFormatError } from './errors.js';

/** Zero bytes after the payload: a 32-bit window at any bit position ≤ limit + 32 stays in range. */
const PADDING = 8;

export interface BitWindow {
  view: DataView;
  /** The payload (and padding) the view reads. */
  bytes: Uint8Array;
  /** Payload length in bits. Windows may be read at bit positions up to limit + 32 (see PADDING). */
  limit: number;
  /** Bit position of the first code (after the tables the BitReader has read). */
  start: number;
}

/** The codes of data[start, end) after what `br` (reading the same range) has consumed. */
export function bitWindow(data: Uint8Array, start: number, end: number, br: BitReader): BitWindow {
  const bytes = new Uint8Array(end - start + PADDING);
  bytes.set(data.subarray(start, end));
  return { view: new DataView(bytes.buffer), bytes, limit: (end - start) * 8, start: (br.pos - start) * 8 - br.count };
}

/**
 * A section must end exactly at its last code, with zero padding bits. `bits` is the bit position after
 * the last code (which may lie past the payload when the input is corrupt).
 */
export function finishWindow(w: BitWindow, bits: number): void {
  const partial = bits & 7;
  if (bits > w.limit || (bits + 7) >>> 3 !== w.limit >>> 3 || (partial !== 0 && w.bytes[bits >>> 3] >>> partial !== 0)) {
    throw new PackFormatError('section payload length does not match its coded data');
  }
}
