/**
 * Reads a model file for inspection. Every user-caused failure (missing, directory, empty, not a
 * TFLite flatbuffer, truncated) becomes a one-line UserError naming the file. This is the single
 * place that decides how a file on disk becomes a Model (packed containers will hook in here).
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import type { Model } from '../ir/model.js';
import { readModel } from '../tflite/read.js';
import { ModelFormatError } from '../tflite/errors.js';
import { fileError } from '../errors.js';
import { shapeBoundProblems } from '../ir/verify-bounds.js';

export interface LoadedModel {
  path: string;
  format: 'tflite';
  /** The file's bytes. */
  bytes: Uint8Array;
  model: Model;
}

export function readModelFile(path: string): Uint8Array {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw fileError(path, 'no such file');
    if (code === 'EACCES') throw fileError(path, 'permission denied');
    throw fileError(path, `cannot read (${code ?? (e as Error).message})`);
  }
  if (stats.isDirectory()) throw fileError(path, 'is a directory, not a model file');
  if (!stats.isFile()) throw fileError(path, 'is not a regular file (a device, pipe or socket)');
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw fileError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export function loadModelFile(path: string): LoadedModel {
  const bytes = readModelFile(path);
  if (bytes.byteLength === 0) throw fileError(path, 'empty file');
  const other = sniffOtherFormat(bytes);
  if (other) throw fileError(path, `is ${other}, not a TFLite model`);
  let model: Model;
  try {
    model = readModel(bytes);
  } catch (e) {
    if (e instanceof ModelFormatError) throw fileError(path, `not a valid TFLite model: ${e.message}`);
    throw e;
  }
  // A shape read from the wrong place (a corrupt offset) is refused here, before anything prints or runs it.
  const bad = shapeBoundProblems(model);
  if (bad.length > 0) {
    const more = bad.length > 1 ? ` (and ${bad.length - 1} more)` : '';
    throw fileError(path, `not a valid TFLite model: subgraph ${bad[0]!.subgraph} tensor ${bad[0]!.tensor}: ${bad[0]!.message}${more}`);
  }
  return { path, format: 'tflite', bytes, model };
}

/** Common non-model files, named so the error says what the file is rather than where parsing broke. */
const SIGNATURES: [string, number[]][] = [
  ['a PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['a JPEG image', [0xff, 0xd8, 0xff]],
  ['a GIF image', [0x47, 0x49, 0x46, 0x38]],
  ['a BMP image', [0x42, 0x4d]],
  ['a ZIP archive', [0x50, 0x4b, 0x03, 0x04]],
  ['a gzip file', [0x1f, 0x8b]],
  ['a PDF document', [0x25, 0x50, 0x44, 0x46]],
];

function sniffOtherFormat(bytes: Uint8Array): string | undefined {
  // A TFLite flatbuffer starts with a root offset, then the "TFL3" identifier at bytes 4..8.
  if (bytes.byteLength >= 8 && String.fromCharCode(...bytes.subarray(4, 8)) === 'TFL3') return undefined;
  return SIGNATURES.find(([, magic]) => magic.every((b, i) => bytes[i] === b))?.[0];
}
