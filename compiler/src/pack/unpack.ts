/** The decoder: validates the container, decodes each section in place, then checks the CRC-32C. */
import { decodeBrotli } from './brotli-coder.js';
import { decodeBytes } from './byte-coder.js';
import { readHeader, SectionKind } from './container.js';
import { crc32c } from './crc32c.js';
import { decodeDeflate } from './deflate-coder.js';
import { PackFormatError } from './errors.js';
import { decodeLzma } from './lzma-coder.js';
import { decodeInt8, decodeInt8Rows } from './int8-coder.js';

export interface UnpackOptions {
  /** Refuse files declaring a larger decoded size (default 512 MiB), checked before allocating. */
  maxDecodedSize?: number;
}

export function unpackModel(packed: Uint8Array, opts: UnpackOptions = {}): Uint8Array {
  const h = readHeader(packed, opts.maxDecodedSize);
  const out = new Uint8Array(h.decodedSize);
  // Bounded by the declared (and capped) size: the decoder refuses output beyond sharedDecodedLength.
  const shared = h.sharedEncodedLength
    ? decodeBrotli(packed, h.sharedStart, h.sharedStart + h.sharedEncodedLength, h.sharedDecodedLength, h.sharedPrimed)
    : undefined;
  let sharedPos = 0;
  let src = h.payloadStart;
  let dst = 0;
  for (const s of h.sections) {
    const end = src + s.encodedLength;
    if (s.kind === SectionKind.RAW) out.set(packed.subarray(src, end), dst);
    else if (s.kind === SectionKind.SHARED) {
      out.set(shared!.subarray(sharedPos, sharedPos + s.decodedLength), dst);
      sharedPos += s.decodedLength;
    } else if (s.kind === SectionKind.BYTES) decodeBytes(packed, src, end, s.contexts, out, dst, s.decodedLength);
    else if (s.kind === SectionKind.INT8) decodeInt8(packed, src, end, s.contexts, out, dst, s.decodedLength);
    else if (s.kind === SectionKind.INT8_DENSITY) decodeInt8(packed, src, end, s.contexts, out, dst, s.decodedLength, true);
    else if (s.kind === SectionKind.INT8_ROWS) decodeInt8Rows(packed, src, end, s.contexts, out, dst, s.decodedLength);
    else if (s.kind === SectionKind.LZMA) decodeLzma(packed, src, end, out, dst, s.decodedLength);
    else decodeDeflate(packed, src, end, out, dst, s.decodedLength);
    src = end;
    dst += s.decodedLength;
  }
  if (crc32c(out) !== h.crc32c) throw new PackFormatError('checksum mismatch: decoded bytes are corrupted');
  return out;
}
