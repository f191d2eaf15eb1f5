/**
 * The byte coder for everything that is not int8 weights (flatbuffer structure, float and int32
 * buffers): canonical Huffman over byte values with `contexts` tables, the table chosen by the byte's
 * position modulo `contexts` (1, 2 or 4), which separates the sign/exponent bytes of float16/float32
 * and the high bytes of int32 values from their noisy low bytes.
 */
import { BitReader } from './bit-reader.js';
import { BitWriter } from './bit-writer.js';
import { PackFormatError } from './errors.js';
import { bitWindow, finishWindow, windowTail } from './bit-window.js';
import { buildDecoder, codeLengths, encoderCodes } from './huffman.js';
import { readLengths, writeLengths } from './table-coder.js';

export const BYTE_CONTEXT_OPTIONS = [1, 2, 4] as const;
/** First-level lookup width of the decoder (decoder-internal, not format). */
const BYTE_LOOKUP_BITS = 11;

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
  const lookupBits = BYTE_LOOKUP_BITS; // a local: V8 may otherwise reload a module constant every step
  const fast = buildDecoder(lengths, lookupBits);
  const mask = (1 << lookupBits) - 1;
  const ctxMask = contexts - 1; // contexts is a power of two
  // The loop makes no calls and keeps its state in locals: it is the decoder's hot path.
  const win = bitWindow(data, start, end, br);
  let view = win.view;
  let limit = win.limit;
  let bp = win.start;
  for (let i = 0; i < outLength; i++) {
    if (bp > limit) {
      bp = windowTail(win, bp); // near the end of the input, or corrupt (throws)
      view = win.view;
      limit = win.limit;
    }
    const w = view.getInt32(bp >>> 3, true) >>> (bp & 7); // ≥ 25 valid bits
    let e = fast[((i & ctxMask) << lookupBits) | (w & mask)];
    if (e & 16) e = fast[(e >>> 5) + ((w >>> lookupBits) & ((1 << (e & 15)) - 1))];
    if (e === 0) throw new PackFormatError('invalid Huffman code');
    bp += e & 15;
    out[outStart + i] = e >>> 5;
  }
  finishWindow(win, bp);
}
