/**
 * The byte coder for everything that is not int8 weights (flatbuffer structure, float and int32
 * buffers): canonical Huffman over byte values with `contexts` tables, the table chosen by the byte's
 * position modulo `contexts` (1, 2 or 4), which separates the sign/exponent bytes of float16/float32
 * and the high bytes of int32 values from their noisy low bytes.
 */
import { BitReader } from './bit-reader.js';
import { BitWriter } from './bit-writer.js';
import { PackFormatError } from './errors.js';
import { buildDecoder, codeLengths, encoderCodes, LOOKUP_BITS } from './huffman.js';
import { finishSection } from './int8-coder.js';
import { readLengths, writeLengths } from './table-coder.js';

export const BYTE_CONTEXT_OPTIONS = [1, 2, 4] as const;

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
  const fast = buildDecoder(lengths);
  const mask = (1 << LOOKUP_BITS) - 1;
  const ctxMask = contexts - 1; // contexts is a power of two
  let pos = br.pos;
  let buf = br.buf;
  let count = br.count;
  for (let i = 0; i < outLength; i++) {
    if (count < 15) {
      // Two bytes at once: at most 14 + 16 = 30 bits, so the buffer stays a small integer (a V8 Smi).
      if (pos + 1 < end) {
        buf |= (data[pos] | (data[pos + 1] << 8)) << count;
        pos += 2;
        count += 16;
      } else {
        do {
          buf |= (pos < end ? data[pos] : 0) << count;
          pos++;
          count += 8;
        } while (count <= 16);
      }
    }
    let e = fast[((i & ctxMask) << LOOKUP_BITS) | (buf & mask)];
    if (e & 16) e = fast[(e >>> 5) + ((buf >>> LOOKUP_BITS) & ((1 << (e & 15)) - 1))];
    if (e === 0) throw new PackFormatError('invalid Huffman code');
    const l = e & 15;
    buf >>>= l;
    count -= l;
    out[outStart + i] = e >>> 5;
  }
  finishSection(pos, buf, count, start, end);
}
