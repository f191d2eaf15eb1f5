// Deterministic class-balanced slices of a labeled image set, written as class folders of PNGs
// (`<label>_<name>/<split>_<index>.png`) that the compiler's labeled-data loader reads back.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { LabeledImages } from './idx.js';

/** The first `perClass` images of each class, in file order (so the choice is reproducible and documented). */
export function firstPerClass(data: LabeledImages, perClass: number, classes: number): number[] {
  const taken = new Array<number>(classes).fill(0);
  const picked: number[] = [];
  for (let i = 0; i < data.count && picked.length < perClass * classes; i++) {
    const l = data.labels[i];
    if (l < classes && taken[l] < perClass) {
      taken[l]++;
      picked.push(i);
    }
  }
  const short = taken.findIndex((n) => n < perClass);
  if (short >= 0) throw new Error(`class ${short} has only ${taken[short]} images, ${perClass} requested`);
  return picked;
}

/** 8-bit grayscale PNG of image `index`. */
export function grayscalePng(data: LabeledImages, index: number): Buffer {
  const px = data.rows * data.cols;
  const png = new PNG({ width: data.cols, height: data.rows, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  png.data = Buffer.from(data.images.subarray(index * px, (index + 1) * px));
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
}

/** Replaces `dir` with one folder per class holding the chosen images. Returns the files written. */
export function writeClassFolders(
  dir: string, data: LabeledImages, indices: number[], classNames: readonly string[], split: string,
): string[] {
  rmSync(dir, { recursive: true, force: true });
  const files: string[] = [];
  for (const i of indices) {
    const label = data.labels[i];
    const folder = path.join(dir, `${label}_${classNames[label]}`);
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, `${split}_${String(i).padStart(5, '0')}.png`);
    writeFileSync(file, grayscalePng(data, i));
    files.push(file);
  }
  return files;
}
