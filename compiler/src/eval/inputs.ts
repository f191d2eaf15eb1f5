/**
 * Loads a directory of representative inputs (calibration / evaluation samples) for one model
 * input: images (png, jpg, bmp) resized and normalised to the input's [1,H,W,C] layout, or raw
 * float32 tensors (.npy, .f32, .bin). Sub-folders (e.g. one per class) are walked recursively in
 * byte-sorted order so the same directory always yields the same samples in the same order.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { UserError } from '../errors.js';
import { decodeBmp, type RgbaImage } from './bmp.js';
import { littleEndianFloat32, parseNpy, type NpyArray } from './npy.js';

/**
 * How 0..255 pixel values become model inputs. `mean`/`std` are in pixel units (as in TFLite
 * metadata's NormalizationOptions): x' = (x - mean[c]) / std[c]; one value applies to all channels.
 */
export type Normalisation = '[0,1]' | '[-1,1]' | { mean: number[]; std: number[] };

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.bmp']);
const TENSOR_EXT = new Set(['.npy', '.f32', '.bin']);

/** Every input file under `dir` (recursive, byte-sorted, hidden files skipped). */
export function listInputFiles(dir: string): string[] {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new UserError(`${dir}: input directory not found`);
  }
  if (!st.isDirectory()) throw new UserError(`${dir}: not a directory`);
  const out: string[] = [];
  const walk = (d: string): void => {
    const names = readdirSync(d).filter((n) => !n.startsWith('.'));
    names.sort(byteCompare);
    for (const n of names) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const ext = extname(n).toLowerCase();
        if (IMAGE_EXT.has(ext) || TENSOR_EXT.has(ext)) out.push(p);
      }
    }
  };
  walk(dir);
  return out;
}

/**
 * Loads up to `limit` samples for an input of shape `inputShape` (batch must be 1). With a limit
 * smaller than the file count, files are picked evenly over the sorted list so every class
 * folder contributes. A .npy holding [N, ...shape] yields N samples.
 */
export function loadInputs(
  dir: string,
  inputShape: readonly number[],
  normalisation: Normalisation = '[0,1]',
  limit?: number,
): Float32Array[] {
  const size = inputShape.reduce((a, b) => a * b, 1);
  if (!(size > 0)) throw new UserError(`${dir}: model input shape [${inputShape.join(',')}] is not static`);
  let files = listInputFiles(dir);
  if (files.length === 0) throw new UserError(`${dir}: no input files (.png .jpg .bmp .npy .f32 .bin)`);
  if (limit !== undefined && limit < files.length) {
    files = Array.from({ length: limit }, (_, i) => files[Math.floor((i * files.length) / limit)]!);
  }
  const out: Float32Array[] = [];
  for (const file of files) {
    for (const sample of loadFile(file, inputShape, normalisation)) {
      if (limit !== undefined && out.length >= limit) break;
      out.push(sample);
    }
  }
  return out;
}

/** One file → its samples, each a Float32Array of the input's element count. */
export function loadFile(file: string, inputShape: readonly number[], normalisation: Normalisation): Float32Array[] {
  const ext = extname(file).toLowerCase();
  const bytes = new Uint8Array(readFileSync(file));
  try {
    if (ext === '.npy') return splitSamples(parseNpy(bytes), inputShape);
    if (ext === '.f32' || ext === '.bin') return [rawFloat32(bytes, inputShape)];
    return [imageToTensor(decodeImage(bytes, ext), inputShape, normalisation)];
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${file}: ${(e as Error).message}`);
  }
}

/** A .png, .jpg/.jpeg or .bmp file's pixels as RGBA (`ext` lower-case, with the dot). */
export function decodeImage(bytes: Uint8Array, ext: string): RgbaImage {
  if (ext === '.bmp') return decodeBmp(bytes);
  if (ext === '.png') {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
  }
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
  return { width: img.width, height: img.height, data: img.data };
}

/** Bilinear resize (half-pixel centres, like tf.image.resize) + channel conversion + normalisation. */
export function imageToTensor(img: RgbaImage, inputShape: readonly number[], norm: Normalisation): Float32Array {
  const [, H, W, C] = imageLayout(img, inputShape);
  if (C !== 1 && C !== 3) throw new Error(`images need 1 or 3 input channels, model input has ${C}`);
  const { mean, std } = normParams(norm, C);
  const out = new Float32Array(H * W * C);
  const sy = img.height / H;
  const sx = img.width / W;
  const px = (x: number, y: number, ch: number): number => img.data[(y * img.width + x) * 4 + ch]!;
  for (let y = 0; y < H; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < W; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const wx = fx - x0;
      const rgb = [0, 1, 2].map(
        (ch) =>
          (px(x0, y0, ch) * (1 - wx) + px(x1, y0, ch) * wx) * (1 - wy) +
          (px(x0, y1, ch) * (1 - wx) + px(x1, y1, ch) * wx) * wy,
      ) as [number, number, number];
      const o = (y * W + x) * C;
      if (C === 1) {
        out[o] = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] - mean[0]!) / std[0]!;
      } else {
        for (let ch = 0; ch < 3; ch++) out[o + ch] = (rgb[ch]! - mean[ch]!) / std[ch]!;
      }
    }
  }
  return out;
}

/**
 * The [1,H,W,C] layout an image fills: the input's own when it is [1,H,W,C] (the image is resized to it);
 * for any other input (e.g. a flat [1,784] MLP input), the image at its own size, gray (C=1) or RGB (C=3),
 * when that holds exactly as many values as the input, in row-major H,W,C order as a flattening model reads them.
 */
export function imageLayout(img: { width: number; height: number }, inputShape: readonly number[]): [1, number, number, number] {
  if (inputShape.length === 4 && inputShape[0] === 1) return inputShape as [1, number, number, number];
  const size = inputShape.reduce((a, b) => a * b, 1);
  const pixels = img.width * img.height;
  if (inputShape.length !== 4 && size === pixels) return [1, img.height, img.width, 1];
  if (inputShape.length !== 4 && size === pixels * 3) return [1, img.height, img.width, 3];
  throw new Error(
    `a ${img.width}x${img.height} image does not fit model input [${inputShape.join(',')}]: ` +
      `it needs a [1,H,W,C] input or one of ${pixels} (gray) or ${pixels * 3} (RGB) values`,
  );
}

function normParams(norm: Normalisation, channels: number): { mean: number[]; std: number[] } {
  if (norm === '[0,1]') return { mean: Array(channels).fill(0), std: Array(channels).fill(255) };
  if (norm === '[-1,1]') return { mean: Array(channels).fill(127.5), std: Array(channels).fill(127.5) };
  const widen = (v: number[], what: string): number[] => {
    if (v.length === 1) return Array(channels).fill(v[0]);
    if (v.length !== channels) throw new Error(`normalisation ${what} has ${v.length} values for ${channels} channels`);
    return v;
  };
  const std = widen(norm.std, 'std');
  if (std.some((s) => !(s !== 0 && Number.isFinite(s)))) throw new Error('normalisation std must be finite and non-zero');
  return { mean: widen(norm.mean, 'mean'), std };
}

function rawFloat32(bytes: Uint8Array, inputShape: readonly number[]): Float32Array {
  const size = inputShape.reduce((a, b) => a * b, 1);
  if (bytes.length !== size * 4) {
    throw new Error(`raw float32 file has ${bytes.length} bytes, input [${inputShape.join(',')}] needs ${size * 4}`);
  }
  return littleEndianFloat32(bytes, 0, size);
}

/** An array of exactly one sample (with or without the batch dim), or [N, ...sample] → N samples. */
function splitSamples(arr: NpyArray, inputShape: readonly number[]): Float32Array[] {
  const size = inputShape.reduce((a, b) => a * b, 1);
  if (arr.data.length === size) return [arr.data];
  const perItem = arr.shape.slice(1).reduce((a, b) => a * b, 1);
  if (arr.shape.length >= 1 && perItem === size) {
    return Array.from({ length: arr.shape[0]! }, (_, i) => arr.data.slice(i * size, (i + 1) * size));
  }
  throw new Error(`.npy shape (${arr.shape.join(',')}) does not match input [${inputShape.join(',')}]`);
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
