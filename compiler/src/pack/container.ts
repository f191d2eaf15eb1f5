/**
 * The container layouts (docs/format.md). Version 1: a 32-byte header, a table of 12-byte section
 * entries, then the section payloads back to back. Version 2: magic, version, CRC-32C, a varint section
 * count and entries of 2 to 11 bytes, the shared Brotli stream that SHARED sections take their bytes
 * from (when there are any), then the other payloads. Fixed-width integers little-endian.
 */
import { PackFormatError } from './errors.js';
import { readVarint, varintLength, writeVarint } from './varint.js';

/** "\x89MLSHRK\n": the high byte and newline catch 7-bit and text-mode transfers, as in PNG. */
export const MAGIC = Uint8Array.of(0x89, 0x4d, 0x4c, 0x53, 0x48, 0x52, 0x4b, 0x0a);
export const FORMAT_VERSION = 2;
export const FORMAT_VERSION_1 = 1;
export const HEADER_SIZE = 32;
/** Magic, version byte and CRC-32C: the fixed part of a version 2 header. */
export const V2_FIXED_HEADER = 13;
export const SECTION_ENTRY_SIZE = 12;
export const DEFAULT_MAX_DECODED_SIZE = 512 * 1024 * 1024;

export const SectionKind = { RAW: 0, BYTES: 1, INT8: 2, DEFLATE: 3, INT8_DENSITY: 4, SHARED: 5, INT8_ROWS: 6, LZMA: 7 } as const;
export type SectionKindCode = (typeof SectionKind)[keyof typeof SectionKind];

export interface SectionEntry {
  kind: SectionKindCode;
  /**
   * Previous-token contexts K (BYTES, INT8, INT8_DENSITY, INT8_ROWS; INT8_DENSITY has 4K tables, INT8_ROWS
   * K per row group), 0 for RAW, DEFLATE, LZMA; SHARED: 0 plain, 1 primed.
   */
  contexts: number;
  decodedLength: number;
  encodedLength: number;
}

export interface Header {
  version: number;
  decodedSize: number;
  crc32c: number;
  sections: SectionEntry[];
  /** Offset of the first section payload byte (after the shared stream in version 2). */
  payloadStart: number;
  /** Version 2: where the shared Brotli stream is, and the bytes it decodes to (Σ SHARED lengths); 0 when absent. */
  sharedStart: number;
  sharedEncodedLength: number;
  sharedDecodedLength: number;
  /** Version 2: the shared stream continues the priming prefix (SHARED entries with context count 1). */
  sharedPrimed: boolean;
}

const VALID_CONTEXTS: Record<number, readonly number[]> = {
  [SectionKind.RAW]: [0],
  [SectionKind.BYTES]: [1, 2, 4],
  [SectionKind.INT8]: [1, 2, 3, 4, 5, 6, 7, 8],
  [SectionKind.DEFLATE]: [0],
  [SectionKind.INT8_DENSITY]: [1, 2, 3, 4, 5, 6, 7, 8],
  // SHARED: 0 a plain shared stream, 1 a primed one (brotli-dictionary.ts); the same in every SHARED entry.
  [SectionKind.SHARED]: [0, 1],
  [SectionKind.INT8_ROWS]: [1, 2, 3, 4, 5, 6, 7, 8],
  [SectionKind.LZMA]: [0],
};

export function isPacked(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

/** Version 1 (kept for compatibility tests and vectors; the encoder writes version 2). */
export function writeContainerV1(decodedSize: number, crc: number, sections: { entry: SectionEntry; payload: Uint8Array }[]): Uint8Array {
  const tableEnd = HEADER_SIZE + SECTION_ENTRY_SIZE * sections.length;
  const total = sections.reduce((n, s) => n + s.payload.length, tableEnd);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[8] = FORMAT_VERSION_1;
  dv.setUint32(12, sections.length, true);
  dv.setBigUint64(16, BigInt(decodedSize), true);
  dv.setUint32(24, crc, true);
  let p = tableEnd;
  sections.forEach(({ entry, payload }, i) => {
    const e = HEADER_SIZE + SECTION_ENTRY_SIZE * i;
    out[e] = entry.kind;
    out[e + 1] = entry.contexts;
    dv.setUint32(e + 4, entry.decodedLength, true);
    dv.setUint32(e + 8, entry.encodedLength, true);
    out.set(payload, p);
    p += payload.length;
  });
  return out;
}

/** Kinds whose table entry stores an encoded length (RAW: equal to the decoded length; SHARED: none). */
function storesEncodedLength(kind: number): boolean {
  return kind !== SectionKind.RAW && kind !== SectionKind.SHARED;
}

/**
 * Version 2. `shared` is the Brotli stream that decodes to the SHARED sections' bytes in table order
 * (empty when there are none); SHARED entries carry no payload of their own.
 */
export function writeContainer(
  decodedSize: number, crc: number, sections: { entry: SectionEntry; payload: Uint8Array }[], shared: Uint8Array,
): Uint8Array {
  let total = V2_FIXED_HEADER + varintLength(sections.length) + shared.length;
  let decodedSum = 0;
  for (const { entry, payload } of sections) {
    total += 1 + varintLength(entry.decodedLength) + payload.length;
    if (storesEncodedLength(entry.kind)) total += varintLength(entry.encodedLength);
    decodedSum += entry.decodedLength;
  }
  if (decodedSum !== decodedSize) throw new Error('sections do not cover the file');
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[8] = FORMAT_VERSION;
  new DataView(out.buffer).setUint32(9, crc, true);
  let p = writeVarint(out, V2_FIXED_HEADER, sections.length);
  for (const { entry } of sections) {
    out[p++] = entry.kind | (entry.contexts << 4);
    p = writeVarint(out, p, entry.decodedLength);
    if (storesEncodedLength(entry.kind)) p = writeVarint(out, p, entry.encodedLength);
  }
  out.set(shared, p);
  p += shared.length;
  for (const { payload } of sections) {
    out.set(payload, p);
    p += payload.length;
  }
  return out;
}

/** Parses and validates the header and section table (not the payloads) of a version 1 or 2 file. */
export function readHeader(bytes: Uint8Array, maxDecodedSize = DEFAULT_MAX_DECODED_SIZE): Header {
  if (!isPacked(bytes)) throw new PackFormatError('not a packed model (bad magic)');
  if (bytes.length < MAGIC.length + 1) throw new PackFormatError('truncated header');
  const version = bytes[8];
  if (version === FORMAT_VERSION) return readHeaderV2(bytes, maxDecodedSize);
  if (version !== FORMAT_VERSION_1) throw new PackFormatError(`unsupported format version ${version}`);
  if (bytes.length < HEADER_SIZE) throw new PackFormatError('truncated header');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[9] !== 0 || dv.getUint16(10, true) !== 0 || dv.getUint32(28, true) !== 0) {
    throw new PackFormatError('reserved header fields must be zero');
  }
  const count = dv.getUint32(12, true);
  const size64 = dv.getBigUint64(16, true);
  if (size64 > BigInt(maxDecodedSize)) {
    throw new PackFormatError(`decoded size ${size64} exceeds the limit of ${maxDecodedSize} bytes`);
  }
  const decodedSize = Number(size64);
  const crc = dv.getUint32(24, true);
  // Checked before allocating anything per section, so a huge count cannot exhaust memory.
  if (count > (bytes.length - HEADER_SIZE) / SECTION_ENTRY_SIZE) throw new PackFormatError('truncated section table');
  const payloadStart = HEADER_SIZE + SECTION_ENTRY_SIZE * count;
  const sections: SectionEntry[] = [];
  let decodedSum = 0;
  let encodedSum = 0;
  for (let i = 0; i < count; i++) {
    const e = HEADER_SIZE + SECTION_ENTRY_SIZE * i;
    const kind = bytes[e] as SectionKindCode;
    const contexts = bytes[e + 1];
    const allowed = VALID_CONTEXTS[kind];
    if (!allowed || kind === SectionKind.SHARED || kind === SectionKind.INT8_ROWS || kind === SectionKind.LZMA) throw new PackFormatError(`section ${i}: unknown kind ${kind}`);
    if (!allowed.includes(contexts)) throw new PackFormatError(`section ${i}: invalid context count ${contexts}`);
    if (dv.getUint16(e + 2, true) !== 0) throw new PackFormatError(`section ${i}: reserved field must be zero`);
    const decodedLength = dv.getUint32(e + 4, true);
    const encodedLength = dv.getUint32(e + 8, true);
    if (decodedLength === 0) throw new PackFormatError(`section ${i}: empty section`);
    if (kind === SectionKind.RAW && encodedLength !== decodedLength) {
      throw new PackFormatError(`section ${i}: raw section lengths differ`);
    }
    decodedSum += decodedLength;
    encodedSum += encodedLength;
    if (decodedSum > decodedSize) throw new PackFormatError('sections decode to more than the declared size');
    sections.push({ kind, contexts, decodedLength, encodedLength });
  }
  if (decodedSum !== decodedSize) throw new PackFormatError('sections decode to less than the declared size');
  if (payloadStart + encodedSum !== bytes.length) {
    throw new PackFormatError(payloadStart + encodedSum > bytes.length ? 'truncated payload' : 'trailing bytes after the last section');
  }
  return { version, decodedSize, crc32c: crc, sections, payloadStart, sharedStart: payloadStart, sharedEncodedLength: 0, sharedDecodedLength: 0, sharedPrimed: false };
}

/**
 * Version 2 stores neither the decoded size (the sum of the section lengths) nor the shared stream's
 * length (what the file holds beyond the table and the other payloads): both follow from the table.
 */
function readHeaderV2(bytes: Uint8Array, maxDecodedSize: number): Header {
  if (bytes.length < V2_FIXED_HEADER) throw new PackFormatError('truncated header');
  const end = bytes.length;
  const crc = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(9, true);
  let [count, p] = readVarint(bytes, V2_FIXED_HEADER, end, 'section count');
  // Every entry takes at least 2 bytes: checked before allocating anything per section.
  if (count > (end - p) / 2) throw new PackFormatError('truncated section table');
  const sections: SectionEntry[] = [];
  let decodedSize = 0;
  let encodedSum = 0;
  let sharedDecodedLength = 0;
  let sharedPrimed: boolean | undefined;
  for (let i = 0; i < count; i++) {
    if (p >= end) throw new PackFormatError('truncated section table');
    const kind = (bytes[p] & 15) as SectionKindCode;
    const contexts = bytes[p++] >> 4;
    const allowed = VALID_CONTEXTS[kind];
    if (!allowed) throw new PackFormatError(`section ${i}: unknown kind ${kind}`);
    if (!allowed.includes(contexts)) throw new PackFormatError(`section ${i}: invalid context count ${contexts}`);
    let decodedLength: number;
    [decodedLength, p] = readVarint(bytes, p, end, `section ${i} decoded length`);
    let encodedLength = kind === SectionKind.RAW ? decodedLength : 0;
    if (storesEncodedLength(kind)) [encodedLength, p] = readVarint(bytes, p, end, `section ${i} encoded length`);
    if (decodedLength === 0) throw new PackFormatError(`section ${i}: empty section`);
    decodedSize += decodedLength;
    encodedSum += encodedLength;
    if (kind === SectionKind.SHARED) {
      sharedDecodedLength += decodedLength;
      if (sharedPrimed !== undefined && sharedPrimed !== (contexts === 1)) throw new PackFormatError(`section ${i}: SHARED sections disagree on priming`);
      sharedPrimed = contexts === 1;
    }
    // Checked as the sum grows, before anything of that size is allocated.
    if (decodedSize > maxDecodedSize) {
      throw new PackFormatError(`decoded size ${decodedSize} exceeds the limit of ${maxDecodedSize} bytes`);
    }
    sections.push({ kind, contexts, decodedLength, encodedLength });
  }
  if (p + encodedSum > end) throw new PackFormatError('truncated payload');
  const sharedEncodedLength = end - p - encodedSum;
  if ((sharedEncodedLength === 0) !== (sharedDecodedLength === 0)) {
    throw new PackFormatError(sharedDecodedLength ? 'truncated payload' : 'trailing bytes after the last section');
  }
  return {
    version: FORMAT_VERSION, decodedSize, crc32c: crc, sections,
    payloadStart: p + sharedEncodedLength, sharedStart: p, sharedEncodedLength, sharedDecodedLength, sharedPrimed: sharedPrimed ?? false,
  };
}
