/**
 * DEFLATE sections (RFC 1951, raw): for the flatbuffer structure, whose repeated tables and vectors an
 * LZ77 coder captures and a per-byte Huffman code cannot. Both platforms decode it natively (zlib in
 * Node, java.util.zip.Inflater on Android).
 */
import { deflateRawSync, inflateRawSync, type InflateRaw } from 'node:zlib';
import { PackFormatError } from './errors.js';

export function encodeDeflate(data: Uint8Array): Uint8Array {
  return deflateRawSync(data, { level: 9, memLevel: 9 });
}

export function decodeDeflate(
  data: Uint8Array, start: number, end: number, out: Uint8Array, outStart: number, outLength: number,
): void {
  let result: { buffer: Buffer; engine: InflateRaw };
  try {
    // `info: true` exposes the engine, whose bytesWritten is the input the stream actually used.
    result = inflateRawSync(data.subarray(start, end), { info: true, maxOutputLength: outLength } as object) as unknown as {
      buffer: Buffer;
      engine: InflateRaw;
    };
  } catch (e) {
    throw new PackFormatError(`deflate section: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (result.buffer.length !== outLength) throw new PackFormatError('deflate section: decoded length differs from the table');
  if (result.engine.bytesWritten !== end - start) throw new PackFormatError('deflate section: bytes after the end of the stream');
  out.set(result.buffer, outStart);
}
