/**
 * `mlshrink inspect` on a packed file: the decoded model's usual summary, then the container's sections
 * with what each holds (int8 weights, another constant buffer, flatbuffer structure) and its coded bits
 * per byte — bits per weight for int8 weight sections.
 */
import { fileError } from '../errors.js';
import { formatSummary } from '../inspect/format.js';
import { summarizeModel } from '../inspect/summary.js';
import { ModelFormatError } from '../tflite/errors.js';
import { readModel } from '../tflite/read.js';
import { describePacked, type PackedSectionStats, type PackedStats } from './describe.js';
import { PackFormatError } from './errors.js';
import { tfliteBufferRanges } from './tflite-ranges.js';
import { unpackModel } from './unpack.js';

/** 'structure': the flatbuffer tables and vectors, with any buffers too small for a section of their own. */
export type SectionContent = 'int8 weights' | 'buffer' | 'structure';

export interface PackedInspection {
  stats: PackedStats;
  sections: (PackedSectionStats & { content: SectionContent })[];
  /** Bits per int8 weight over all int8 weight sections (tables included), or null when there are none. */
  bitsPerWeight: number | null;
}

export function inspectPacked(file: string, bytes: Uint8Array): { inspection: PackedInspection; decoded: Uint8Array } {
  let decoded: Uint8Array;
  let stats: PackedStats;
  try {
    stats = describePacked(bytes);
    decoded = unpackModel(bytes);
  } catch (e) {
    if (e instanceof PackFormatError) throw fileError(file, `corrupt packed model: ${e.message}`);
    throw e;
  }
  const ranges = new Map(tfliteBufferRanges(decoded).map((r) => [`${r.offset}:${r.length}`, r.int8]));
  let weights = 0;
  let weightBits = 0;
  const sections = stats.sections.map((s) => {
    const int8 = ranges.get(`${s.decodedOffset}:${s.decodedLength}`);
    const content: SectionContent = int8 === undefined ? 'structure' : int8 ? 'int8 weights' : 'buffer';
    if (int8) {
      weights += s.decodedLength;
      weightBits += 8 * s.encodedLength;
    }
    return { ...s, content };
  });
  return { inspection: { stats, sections, bitsPerWeight: weights ? weightBits / weights : null }, decoded };
}

/** The inspect command's output for a packed file: text, or JSON when `json`. */
export function renderPackedInspection(file: string, bytes: Uint8Array, json: boolean): string {
  const { inspection, decoded } = inspectPacked(file, bytes);
  let summary;
  try {
    summary = summarizeModel(readModel(decoded), decoded.byteLength);
  } catch (e) {
    if (e instanceof ModelFormatError) throw fileError(file, `packed file holds no valid TFLite model: ${e.message}`);
    throw e;
  }
  if (json) return JSON.stringify({ file, packed: inspection, ...summary }, null, 2) + '\n';
  const { stats } = inspection;
  const lines = [
    `${file}: mlshrink packed v${stats.version}, ${stats.packedSize.toLocaleString('en-US')} bytes for ${stats.decodedSize.toLocaleString('en-US')} (${((100 * stats.packedSize) / Math.max(1, stats.decodedSize)).toFixed(1)} %)` +
      (inspection.bitsPerWeight === null ? '' : `, ${inspection.bitsPerWeight.toFixed(2)} bits per int8 weight`),
    '',
    'packed sections:',
  ];
  const rows = [['#', 'kind', 'ctx', 'content', 'offset', 'decoded', 'encoded', 'bits/byte']].concat(
    inspection.sections.map((s) => [String(s.index), s.kind, String(s.contexts), s.content, String(s.decodedOffset), String(s.decodedLength), String(s.encodedLength), s.bitsPerByte.toFixed(2)]),
  );
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) lines.push('  ' + r.map((x, c) => (c === 1 || c === 3 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join('  '));
  return `${lines.join('\n')}\n\n${formatSummary(summary, `${file} (decoded)`)}`;
}
