/**
 * Compact serialisation of a canonical Huffman table as its code lengths, delta-coded against the
 * previous symbol's length (symbol orders are chosen so neighbouring symbols have similar lengths):
 *   0            same length as the previous symbol
 *   1 0 s        previous length + 1 (s = 0) or - 1 (s = 1)
 *   1 1 0 LLLL   the 4-bit length LLLL
 *   1 1 1 RRRRRRR  previous length repeated RRRRRRR + 3 times
 * The "previous length" before the first symbol is 0. Bits are read in the order listed.
 */
import type { BitReader } from './bit-reader.js';
import type { BitWriter } from './bit-writer.js';
import { PackFormatError } from './errors.js';
import { MAX_CODE_LENGTH, validateLengths } from './huffman.js';

const MIN_REPEAT = 3;
const MAX_REPEAT = MIN_REPEAT + 127;

export function writeLengths(bw: BitWriter, lengths: Uint8Array): void {
  let prev = 0;
  let i = 0;
  while (i < lengths.length) {
    let run = 0;
    while (i + run < lengths.length && lengths[i + run] === prev && run < MAX_REPEAT) run++;
    if (run >= MIN_REPEAT) {
      bw.write(0b111, 3);
      bw.write(run - MIN_REPEAT, 7);
      i += run;
      continue;
    }
    const l = lengths[i];
    if (l === prev) bw.write(0, 1);
    else if (l === prev + 1) bw.write(0b001, 3); // bits 1,0,0 in stream order
    else if (l === prev - 1) bw.write(0b101, 3); // bits 1,0,1
    else {
      bw.write(0b011, 3); // bits 1,1,0
      bw.write(l, 4);
    }
    prev = l;
    i++;
  }
}

/** Reads `n` code lengths and validates them as a prefix code. */
export function readLengths(br: BitReader, n: number): Uint8Array {
  const lengths = new Uint8Array(n);
  let prev = 0;
  let i = 0;
  while (i < n) {
    if (br.read(1) === 0) {
      lengths[i++] = prev;
    } else if (br.read(1) === 0) {
      prev += br.read(1) === 0 ? 1 : -1;
      if (prev < 0 || prev > MAX_CODE_LENGTH) throw new PackFormatError('code length out of range');
      lengths[i++] = prev;
    } else if (br.read(1) === 0) {
      prev = br.read(4);
      if (prev > MAX_CODE_LENGTH) throw new PackFormatError('code length out of range');
      lengths[i++] = prev;
    } else {
      const run = br.read(7) + MIN_REPEAT;
      if (i + run > n) throw new PackFormatError('code length repeat runs past the alphabet');
      lengths.fill(prev, i, i + run);
      i += run;
    }
  }
  validateLengths(lengths);
  return lengths;
}
