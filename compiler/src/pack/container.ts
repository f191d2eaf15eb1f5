/**
 * The container layout (docs/format.md): a 32-byte header, a table of 12-byte section entries, then
 * the section payloads back to back. All integers little-endian.
 */
import { PackFormatError } from './errors.js';

/** "\x89MLSHRK\n": the high byte and newline catch 7-bit and text-mode transfers, as in PNG. */
export const MAGIC = Uint8Array.of(0x89, 0x4d, 0x4c, 0x53, 0x48, 0x52, 0x4b, 0x0a);
export const FORMAT_VERSION = 1;
export const HEADER_SIZE = 32;
export const SECTION_ENTRY_SIZE = 12;
export const DEFAULT_MAX_DECODED_SIZE = 512 * 1024 * 1024;

export const SectionKind = { RAW: 0, BYTES: 1, INT8: 2, DEFLATE: 3, INT8_DENSITY: 4 } as const;
export type SectionKindCode = (typeof SectionKind)[keyof typeof SectionKind];

export interface SectionEntry {
  kind: SectionKindCode;
  /** Previous-token contexts K (BYTES, INT8, INT8_DENSITY; the last has 4K tables), 0 for RAW and DEFLATE. */
  contexts: number;
  decodedLength: number;
  encodedLength: number;
}

export interface Header {
  version: number;
  decodedSize: number;
  crc32c: number;
  sections: SectionEntry[];
  /** Offset of the first payload byte. */
  payloadStart: number;
}

const VALID_CONTEXTS: Record<number, readonly number[]> = {
  [SectionKind.RAW]: [0],
  [SectionKind.BYTES]: [1, 2, 4],
  [SectionKind.INT8]: [1, 2, 3, 4, 5, 6, 7, 8],
  [SectionKind.DEFLATE]: [0],
  [SectionKind.INT8_DENSITY]: [1, 2, 3, 4, 5, 6, 7, 8],
};

export function isPacked(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

export function writeContainer(decodedSize: number, crc: number, sections: { entry: SectionEntry; payload: Uint8Array }[]): Uint8Array {
  const tableEnd = HEADER_SIZE + SECTION_ENTRY_SIZE * sections.length;
  const total = sections.reduce((n, s) => n + s.payload.length, tableEnd);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[8] = FORMAT_VERSION;
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

/** Parses and validates the header and section table (not the payloads). */
export function readHeader(bytes: Uint8Array, maxDecodedSize = DEFAULT_MAX_DECODED_SIZE): Header {
  if (!isPacked(bytes)) throw new PackFormatError('not a packed model (bad magic)');
  if (bytes.length < HEADER_SIZE) throw new PackFormatError('truncated header');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[8];
  if (version !== FORMAT_VERSION) throw new PackFormatError(`unsupported format version ${version}`);
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
    if (!allowed) throw new PackFormatError(`section ${i}: unknown kind ${kind}`);
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
  return { version, decodedSize, crc32c: crc, sections, payloadStart };
}
