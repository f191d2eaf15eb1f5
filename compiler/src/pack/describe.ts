/** Per-section statistics of a packed file, for `mlshrink inspect` (reads the header only). */
import { readHeader, SectionKind, type SectionKindCode } from './container.js';

export interface PackedSectionStats {
  index: number;
  kind: 'raw' | 'bytes' | 'int8' | 'deflate' | 'int8-density' | 'shared' | 'int8-rows' | 'lzma';
  /** Number of Huffman context tables (0 for raw, deflate and shared). */
  contexts: number;
  /** Offset of the section's bytes in the decoded .tflite. */
  decodedOffset: number;
  decodedLength: number;
  encodedLength: number;
  /**
   * Coded bits per decoded byte, tables included; for int8 sections, bits per weight. SHARED sections
   * (no payload of their own) are given the shared stream's average.
   */
  bitsPerByte: number;
}

export interface PackedStats {
  version: number;
  decodedSize: number;
  packedSize: number;
  /** Version 2: the shared Brotli stream's encoded and decoded lengths (0 when absent or version 1). */
  sharedEncodedLength: number;
  sharedDecodedLength: number;
  crc32c: number;
  sections: PackedSectionStats[];
}

const KIND_NAMES: Record<SectionKindCode, PackedSectionStats['kind']> = {
  [SectionKind.RAW]: 'raw',
  [SectionKind.BYTES]: 'bytes',
  [SectionKind.INT8]: 'int8',
  [SectionKind.DEFLATE]: 'deflate',
  [SectionKind.INT8_DENSITY]: 'int8-density',
  [SectionKind.SHARED]: 'shared',
  [SectionKind.INT8_ROWS]: 'int8-rows',
  [SectionKind.LZMA]: 'lzma',
};

export function describePacked(bytes: Uint8Array): PackedStats {
  // Statistics only; no allocation of the decoded size, so no cap is needed.
  const h = readHeader(bytes, Number.MAX_SAFE_INTEGER);
  let offset = 0;
  const sections = h.sections.map((s, index) => {
    const st: PackedSectionStats = {
      index,
      kind: KIND_NAMES[s.kind],
      contexts: s.contexts,
      decodedOffset: offset,
      decodedLength: s.decodedLength,
      encodedLength: s.encodedLength,
      bitsPerByte: s.kind === SectionKind.SHARED ? (8 * h.sharedEncodedLength) / h.sharedDecodedLength : (8 * s.encodedLength) / s.decodedLength,
    };
    offset += s.decodedLength;
    return st;
  });
  return {
    version: h.version, decodedSize: h.decodedSize, packedSize: bytes.length, crc32c: h.crc32c,
    sharedEncodedLength: h.sharedEncodedLength, sharedDecodedLength: h.sharedDecodedLength, sections,
  };
}
