/**
 * Random-access bit windows for the section decoders' hot loops. Codes are read by bit position: the 32
 * bits at any byte are one little-endian DataView load, so a decode step needs no refill branch and no
 * bit counter (the buffered BitReader's refill branch is taken unpredictably, every two or three codes).
 *
 * The view is over the packed input itself, not a copy (copying a large payload costs fresh pages and
 * GC work). A window may reach past the section's end into the next section's bytes: for a valid
 * stream those bits lie beyond the last code and do not change the lookup; a corrupt stream that uses
 * them ends past the section end and is rejected. Only near the end of the input buffer, where a window
 * would leave it, do the decoders switch once to a zero-padded copy of the payload's last bytes.
 *
 * The loops keep `view`, `limit` and the bit position in locals: at the top of each step they check
 * `bits <= limit`, and then may read windows at positions up to limit + 32 (a code of at most 15 bits
 * and at most 16 extra bits later).
 */
import type { BitReader } from './bit-reader.js';
import { PackFormatError } from './errors.js';

/** Bytes a window may need past the byte holding position limit + 32. */
const SLACK = 8;

export interface BitWindow {
  view: DataView;
  /** The bytes `view` reads. */
  bytes: Uint8Array;
  /** Largest bit position at which a decode step may start without leaving `view`. */
  limit: number;
  /** Bit position of the section's end, in `view`'s coordinates. */
  end: number;
  /** Bit position of the first code (after the tables the BitReader has read). */
  start: number;
  /** True once the window reads the padded copy of the payload's tail. */
  tail: boolean;
  /** Absolute byte offset in the input of `bytes[0]`, to copy the tail from. */
  base: number;
  data: Uint8Array;
}

/** The codes of data[start, end) after what `br` (reading the same range) has consumed. */
export function bitWindow(data: Uint8Array, start: number, end: number, br: BitReader): BitWindow {
  const endBits = end * 8;
  return {
    view: new DataView(data.buffer, data.byteOffset, data.byteLength),
    bytes: data,
    limit: Math.min(endBits, (data.length - SLACK) * 8 - 32),
    end: endBits,
    start: br.pos * 8 - br.count,
    tail: false,
    base: 0,
    data,
  };
}

/**
 * Called when a decode step would start past `w.limit`: past the section's end the stream is corrupt;
 * otherwise the window moves to a zero-padded copy of the payload's remaining bytes. Returns the bit
 * position in the new coordinates (the caller reloads view and limit).
 */
export function windowTail(w: BitWindow, bits: number): number {
  if (w.tail || bits > w.end) throw new PackFormatError('section codes run past the section end');
  const from = bits >>> 3;
  const copy = new Uint8Array((w.end >>> 3) - from + SLACK);
  copy.set(w.data.subarray(w.base + from, w.base + (w.end >>> 3)));
  w.view = new DataView(copy.buffer);
  w.bytes = copy;
  w.base += from;
  w.end -= from * 8;
  w.limit = w.end;
  w.tail = true;
  return bits - from * 8;
}

/**
 * A section must end exactly at its last code, with zero padding bits. `bits` is the bit position after
 * the last code, in the window's current coordinates (it may lie past the section end if corrupt).
 */
export function finishWindow(w: BitWindow, bits: number): void {
  const partial = bits & 7;
  if (bits > w.end || (bits + 7) >>> 3 !== w.end >>> 3 || (partial !== 0 && w.bytes[bits >>> 3] >>> partial !== 0)) {
    throw new PackFormatError('section payload length does not match its coded data');
  }
}
