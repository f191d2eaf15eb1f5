/**
 * Evaluation data with optional class labels, for one [1,H,W,C] model input, or a flat one of as many
 * values as an image has pixels (e.g. [1,784] for 28x28 IDX images; see imageLayout in inputs.ts):
 * - a folder per class, named `<label>_<anything>/` or `<label>/` (e.g. `0_tshirt/`), holding
 *   images or tensors (see inputs.ts); files outside such folders are unlabeled;
 * - IDX files (MNIST layout): `*images-idx3-ubyte[.gz]` with `*labels-idx1-ubyte[.gz]` beside it;
 * - CSV: one sample per row, `label,pixel0,pixel1,...` (0..255, optional header line).
 * Pixels are normalised exactly like images in inputs.ts. Labels are returned only when every
 * sample has one. With `limit`, samples are picked evenly over the whole set (every class shows up).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../errors.js';
import { imageToTensor, listInputFiles, loadFile, type Normalisation } from './inputs.js';

export interface LabeledData {
  inputs: Float32Array[];
  /** Class index per sample, or undefined when the data carries no (complete) labels. */
  labels?: number[];
  source: 'folders' | 'idx' | 'csv';
}

export function loadLabeledData(path: string, inputShape: readonly number[], normalisation: Normalisation = '[0,1]', limit?: number): LabeledData {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new UserError(`${path}: evaluation data not found`);
  }
  if (st.isFile()) {
    if (extname(path).toLowerCase() === '.csv') return loadCsv(path, inputShape, normalisation, limit);
    if (isIdxImages(path)) return loadIdx(path, inputShape, normalisation, limit);
    throw new UserError(`${path}: evaluation data must be a directory, a .csv or an IDX images file`);
  }
  const names = readdirSync(path).filter((n) => !n.startsWith('.')).sort();
  const idx = names.find((n) => isIdxImages(n));
  if (idx) return loadIdx(join(path, idx), inputShape, normalisation, limit);
  const csv = names.filter((n) => extname(n).toLowerCase() === '.csv');
  if (csv.length === 1 && !names.some((n) => statSync(join(path, n)).isDirectory())) {
    return loadCsv(join(path, csv[0]!), inputShape, normalisation, limit);
  }
  return loadFolders(path, inputShape, normalisation, limit);
}

/** `0_tshirt` → 0, `7` → 7, anything else → undefined. */
export function labelOfFolder(name: string): number | undefined {
  const m = /^(\d+)(?:_.*)?$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

function evenly<T>(items: T[], limit: number | undefined): T[] {
  if (limit === undefined || limit >= items.length) return items;
  return Array.from({ length: limit }, (_, i) => items[Math.floor((i * items.length) / limit)]!);
}

function loadFolders(dir: string, inputShape: readonly number[], norm: Normalisation, limit?: number): LabeledData {
  const files = evenly(listInputFiles(dir), limit);
  if (files.length === 0) throw new UserError(`${dir}: no input files (.png .jpg .bmp .npy .f32 .bin)`);
  const inputs: Float32Array[] = [];
  const labels: (number | undefined)[] = [];
  for (const file of files) {
    // The label comes from the first folder level under `dir`.
    const first = relative(dir, dirname(file)).split(sep)[0] ?? '';
    const label = labelOfFolder(first);
    let samples: Float32Array[];
    try {
      samples = loadFile(file, inputShape, norm);
    } catch (e) {
      throw new UserError(`${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const s of samples) {
      inputs.push(s);
      labels.push(label);
    }
  }
  const out = evenly(inputs.map((x, i) => [x, labels[i]] as const), limit);
  const all = out.every(([, l]) => l !== undefined);
  return { inputs: out.map(([x]) => x), labels: all ? out.map(([, l]) => l!) : undefined, source: 'folders' };
}

function isIdxImages(name: string): boolean {
  return /images[-.]idx3-ubyte(\.gz)?$/.test(basename(name));
}

function readMaybeGz(path: string): Uint8Array {
  const bytes = new Uint8Array(readFileSync(path));
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
}

/** Parses an unsigned-byte IDX file: magic 0x0000 08 <ndim>, big-endian dims, then the data. */
export function parseIdx(bytes: Uint8Array): { dims: number[]; data: Uint8Array } {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) throw new Error('not an unsigned-byte IDX file');
  const ndim = bytes[3]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndim }, (_, i) => dv.getUint32(4 + 4 * i));
  const start = 4 + 4 * ndim;
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length < start + size) throw new Error(`IDX data truncated: ${bytes.length - start} of ${size} bytes`);
  return { dims, data: bytes.subarray(start, start + size) };
}

function grayToRgba(pixels: Uint8Array, width: number, height: number): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const v = pixels[i]!;
    data[i * 4] = v;
    data[i * 4 + 1] = v;
    data[i * 4 + 2] = v;
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}

function loadIdx(imagesPath: string, inputShape: readonly number[], norm: Normalisation, limit?: number): LabeledData {
  let images;
  try {
    images = parseIdx(readMaybeGz(imagesPath));
  } catch (e) {
    throw new UserError(`${imagesPath}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (images.dims.length !== 3) throw new UserError(`${imagesPath}: IDX images must be [N,H,W], got [${images.dims.join(',')}]`);
  const [n, h, w] = images.dims as [number, number, number];
  // The labels file sits beside the images, compressed or not.
  const stem = join(dirname(imagesPath), basename(imagesPath).replace(/images([-.])idx3/, 'labels$1idx1').replace(/\.gz$/, ''));
  const labelsPath = existsSync(stem) ? stem : `${stem}.gz`;
  let labels: number[] | undefined;
  try {
    const l = parseIdx(readMaybeGz(labelsPath));
    if (l.dims.length !== 1 || l.dims[0] !== n) throw new Error(`labels [${l.dims.join(',')}] do not match ${n} images`);
    labels = Array.from(l.data);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UserError(`${labelsPath}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const picked = evenly(Array.from({ length: n }, (_, i) => i), limit);
  let inputs: Float32Array[];
  try {
    inputs = picked.map((i) => imageToTensor(grayToRgba(images.data.subarray(i * h * w, (i + 1) * h * w), w, h), inputShape, norm));
  } catch (e) {
    throw new UserError(`${imagesPath}: ${e instanceof Error ? e.message : String(e)}`); // images that do not fit the input
  }
  return { inputs, labels: labels && picked.map((i) => labels[i]!), source: 'idx' };
}

function loadCsv(path: string, inputShape: readonly number[], norm: Normalisation, limit?: number): LabeledData {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length > 0 && !/^\s*-?\d/.test(lines[0]!)) lines.shift(); // header
  const size = inputShape.reduce((a, b) => a * b, 1);
  const rows = evenly(lines.map((l, i) => [l, i] as const), limit);
  const inputs: Float32Array[] = [];
  const labels: number[] = [];
  const [, h, w, c] = inputShape.length === 4 ? (inputShape as [number, number, number, number]) : [1, 1, size, 1];
  for (const [line, i] of rows) {
    const cells = line.split(',').map(Number);
    const label = cells[0]!;
    const pixels = cells.slice(1);
    if (!Number.isInteger(label) || label < 0) throw new UserError(`${path}: line ${i + 1}: label "${line.split(',')[0]}" is not a class index`);
    if (pixels.length !== h * w * c || pixels.some((p) => !(p >= 0 && p <= 255))) {
      throw new UserError(`${path}: line ${i + 1}: expected ${h * w * c} pixel values 0..255, got ${pixels.length}`);
    }
    if (c === 1 && inputShape.length === 4) {
      inputs.push(imageToTensor(grayToRgba(Uint8Array.from(pixels), w, h), inputShape, norm));
    } else {
      const { mean, std } = norm === '[0,1]' ? { mean: 0, std: 255 } : norm === '[-1,1]' ? { mean: 127.5, std: 127.5 } : { mean: norm.mean[0] ?? 0, std: norm.std[0] ?? 1 };
      inputs.push(Float32Array.from(pixels, (p) => (p - mean) / std));
    }
    labels.push(label);
  }
  return { inputs, labels, source: 'csv' };
}
