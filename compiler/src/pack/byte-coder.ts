/**
 * The byte coder for everything that is not int8 weights (flatbuffer structure, float and int32
 * buffers): canonical Huffman over byte values with `contexts` tables, the table chosen by the byte's
 * position modulo `contexts` (1, 2 or 4), which separates the sign/exponent bytes of float16/float32
 * and the high bytes of int32 values from their noisy low bytes.
 */
import { BitReader } from './bit-reader.js';
import { BitWriter } from './bit-writer.js';
import { PackFormatError } from './errors.js';
import { bitWindow, finishWindow } from './bit-window.js';
import { buildDecoder, codeLengths, encoderCodes } from './huffman.js';
import { readLengths, writeLengths } from './table-coder.js';

export const BYTE_CONTEXT_OPTIONS = [1, 2, 4] as const;
/** First-level lookup width of the decoder (decoder-internal, not format). */
const BYTE_LOOKUP_BITS = 11;
const BYTE_LOOKUP_MASK = (1 << BYTE_LOOKUP_BITS) - 1;

export function encodeBytes(data: Uint8Array, contexts: number): Uint8Array {
  const counts: Float64Array[] = [];
  for (let c = 0; c < contexts; c++) counts.push(new Float64Array(256));
  for (let i = 0; i < data.length; i++) counts[i % contexts][data[i]]++;
  const lengths = counts.map((c) => codeLengths(c));
  const codes = lengths.map((l) => encoderCodes(l));
  const bw = new BitWriter();
  for (const l of lengths) writeLengths(bw, l);
  for (let i = 0; i < data.length; i++) {
    const c = i % contexts;
    bw.write(codes[c][data[i]], lengths[c][data[i]]);
  }
  return bw.finish();
}

export function decodeBytes(
  data: Uint8Array, start: number, end: number, contexts: number,
  out: Uint8Array, outStart: number, outLength: number,
): void {
  const br = new BitReader(data, start, end);
  const lengths = [];
  for (let c = 0; c < contexts; c++) lengths.push(readLengths(br, 256));
  const fast = buildDecoder(lengths, BYTE_LOOKUP_BITS);
  const win = bitWindow(data, start, end, br);
  finishWindow(win, byteCodes(win.view, win.limit, win.start, fast, contexts - 1, out, outStart, outLength));
}

/**
 * The code loop of decodeBytes, from bit position `bp` (steps may start up to `limit`); returns the bit
 * position after the last code. Its own function ending in a plain return, for the reason given at
 * int8Tokens (int8-coder.ts). `ctxMask` is contexts - 1 (contexts is a power of two).
 */
function byteCodes(
  view: DataView, limit: number, bp: number, fast: Int32Array, ctxMask: number,
  out: Uint8Array, outStart: number, outLength: number,
): number {
  // Module constants as locals (V8 may otherwise reload them from the module context every step), and
  // no computation before the loop (see int8Tokens).
  const lookupBits = BYTE_LOOKUP_BITS;
  const mask = BYTE_LOOKUP_MASK;
  // Two codes per iteration, the second step a copy of the first, for the reason given at int8Tokens.
  let i = 0;
  while (i < outLength) {
    if (bp > limit) throw new PackFormatError('byte section: codes run past the section end');
    const w = view.getInt32(bp >>> 3, true) >>> (bp & 7); // ≥ 25 valid bits
    let e = fast[((i & ctxMask) << lookupBits) | (w & mask)];
    if (e & 16) e = fast[(e >>> 5) + ((w >>> lookupBits) & ((1 << (e & 15)) - 1))];
    if (e === 0) throw new PackFormatError('invalid Huffman code');
    bp += e & 15;
    out[outStart + i] = e >>> 5;
    i++;
    // The second code: the same step again.
    if (i >= outLength) break;
    if (bp > limit) throw new PackFormatError('byte section: codes run past the section end');
    const w2 = view.getInt32(bp >>> 3, true) >>> (bp & 7);
    let e2 = fast[((i & ctxMask) << lookupBits) | (w2 & mask)];
    if (e2 & 16) e2 = fast[(e2 >>> 5) + ((w2 >>> lookupBits) & ((1 << (e2 & 15)) - 1))];
    if (e2 === 0) throw new PackFormatError('invalid Huffman code');
    bp += e2 & 15;
    out[outStart + i] = e2 >>> 5;
    i++;
  }
  return bp;
}
