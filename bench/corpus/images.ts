/**
 * Real photographs as corpus inputs for the image models, instead of noise: MediaPipe's pose, hand and
 * face models respond to noise with outputs no real input gives (e.g. a presence flag stuck near 0), so
 * noise says little about their fidelity. The photos come from pinned registry packages (manifest.json
 * "images": scikit-image's sample data, public domain / CC0; for hands, two photos shipped in the
 * ultralytics wheel, since no scikit-image photo has a hand the hand models recognise: their presence
 * score stayed below 0.005 on those crops, 0.93-0.998 on these), are checked against sha256 and cached
 * beside the models. Each sample is a crop of the kind of region the model expects (a whole scene, a
 * person, a face, an upright hand), jittered in position and scale and mirrored by a seeded generator,
 * resized bilinearly to the model's input and mapped to its range. Models without an `imageCrop`, or whose
 * input is not [1,H,W,3|1], keep synthetic noise.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { RgbaImage } from '../../compiler/src/eval/bmp.js';
import { decodeImage, imageToTensor } from '../../compiler/src/eval/inputs.js';
import { prng } from '../../compiler/src/util/prng.js';
import { archiveOf, extract, sha256, writeAtomic } from './gather.js';
import { cacheDir, loadImageSources, type ImageCrop, type PhotoBox } from './manifest.js';

export interface Photo {
  name: string;
  image: RgbaImage;
  /** Square boxes [x, y, side(, quarter turns clockwise)] in pixels, per crop kind this photo can serve. */
  boxes: Partial<Record<ImageCrop, PhotoBox[]>>;
}

/** The manifest's photos, fetched and checked; `note` says why there are none (then inputs stay synthetic). */
export function gatherPhotos(log: (l: string) => void = () => {}): { photos: Photo[]; note?: string } {
  const dir = join(cacheDir(), 'images');
  mkdirSync(dir, { recursive: true });
  const photos: Photo[] = [];
  for (const src of loadImageSources()) {
    const file = join(dir, `${src.name}${extname(src.source.path).toLowerCase()}`);
    try {
      if (!existsSync(file)) {
        const bytes = extract(archiveOf(src.source), src.source.path);
        if (sha256(bytes) !== src.sha256) return { photos: [], note: `image ${src.name}: sha256 mismatch (${sha256(bytes)})` };
        writeAtomic(file, bytes);
        log(`gathered image ${src.name} from ${src.source.package}@${src.source.version}`);
      }
      const bytes = new Uint8Array(readFileSync(file));
      if (sha256(bytes) !== src.sha256) return { photos: [], note: `image ${src.name}: sha256 mismatch in cache (${file}); delete it to re-fetch` };
      photos.push({ name: src.name, image: decodeImage(bytes, extname(file)), boxes: src.boxes });
    } catch (e) {
      return { photos: [], note: `image ${src.name}: ${(e as Error).message}` };
    }
  }
  return { photos };
}

/** [1,H,W,C] with C 1 or 3: an input a photo can fill. */
export function takesImages(shape: readonly number[]): boolean {
  return shape.length === 4 && shape[0] === 1 && (shape[3] === 3 || shape[3] === 1) && shape[1]! >= 8 && shape[2]! >= 8;
}

/**
 * `count` samples for one image input of `shape`: crop i comes from the photos' `kind` boxes in turn, with the box shifted by up to ±10 % of its side, scaled by 0.85–1.15 and mirrored
 * half of the time (seeded), then resized and mapped linearly from [0,255] to `range`.
 */
export function photoSamples(photos: Photo[], kind: ImageCrop, shape: readonly number[], count: number, seed: number, range: [number, number]): Float32Array[] {
  const usable = photos.flatMap((p) => (p.boxes[kind] ?? []).map((box) => ({ image: p.image, box })));
  if (usable.length === 0) throw new Error(`no photo has a ${kind} box`);
  const rand = prng(seed);
  const [lo, hi] = range;
  const std = 255 / (hi - lo);
  const norm = { mean: [-lo * std], std: [std] };
  return Array.from({ length: count }, (_, i) => {
    const { image, box } = usable[i % usable.length]!;
    const [bx, by, side, turns = 0] = box;
    const s = Math.round(side * (0.85 + 0.3 * rand()));
    const x = Math.round(bx + side / 2 - s / 2 + (rand() - 0.5) * 0.2 * side);
    const y = Math.round(by + side / 2 - s / 2 + (rand() - 0.5) * 0.2 * side);
    const crop = cropSquare(image, x, y, s, rand() < 0.5, turns);
    return imageToTensor(crop, shape, norm);
  });
}

/**
 * A side×side crop at (x, y), edge pixels repeated outside the photo, turned `quarterTurns` × 90° clockwise
 * (so a sideways hand stands upright) and then optionally mirrored left-right.
 */
export function cropSquare(img: RgbaImage, x: number, y: number, side: number, mirror: boolean, quarterTurns = 0): RgbaImage {
  const data = new Uint8Array(side * side * 4);
  const turns = ((quarterTurns % 4) + 4) % 4;
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      // Undo the turns: output (r, c) of a clockwise quarter turn shows input (side-1-c, r).
      let row = r;
      let col = mirror ? side - 1 - c : c;
      for (let t = 0; t < turns; t++) [row, col] = [side - 1 - col, row];
      const sy = Math.min(img.height - 1, Math.max(0, y + row));
      const sx = Math.min(img.width - 1, Math.max(0, x + col));
      data.set(img.data.subarray((sy * img.width + sx) * 4, (sy * img.width + sx) * 4 + 4), (r * side + c) * 4);
    }
  }
  return { width: side, height: side, data };
}
