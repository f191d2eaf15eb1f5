// IDX files (the MNIST / Fashion-MNIST container): big-endian magic 0x0000<type><rank>, rank uint32
// dimensions, then the row-major data. Gzip-compressed files are recognised by their magic bytes.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export class IdxFormatError extends Error {
  override name = 'IdxFormatError';
}

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

/** Parses an (optionally gzipped) IDX byte array of unsigned bytes. */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  const raw = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  if (raw.length < 4) throw new IdxFormatError(`${source}: too short for an IDX header (${raw.length} bytes)`);
  if (raw[0] !== 0 || raw[1] !== 0) throw new IdxFormatError(`${source}: not an IDX file (magic ${hex(raw, 4)})`);
  if (raw[2] !== UBYTE) throw new IdxFormatError(`${source}: element type 0x${raw[2].toString(16)} is not unsigned byte (0x08)`);
  const rank = raw[3];
  if (rank === 0) throw new IdxFormatError(`${source}: rank 0`);
  const headerSize = 4 + 4 * rank;
  if (raw.length < headerSize) throw new IdxFormatError(`${source}: truncated header (rank ${rank})`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  if (raw.length - headerSize !== count) {
    throw new IdxFormatError(`${source}: shape [${shape.join(',')}] needs ${count} bytes of data, file has ${raw.length - headerSize}`);
  }
  return { shape, data: raw.subarray(headerSize) };
}

export function readIdxFile(path: string): IdxArray {
  return parseIdx(readFileSync(path), path);
}

/** Images as [n, rows, cols] bytes plus one label byte per image, checked for agreement. */
export interface LabeledImages {
  count: number;
  rows: number;
  cols: number;
  images: Uint8Array;
  labels: Uint8Array;
}

export function readIdxImagesAndLabels(imagesPath: string, labelsPath: string): LabeledImages {
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  if (images.shape.length !== 3) throw new IdxFormatError(`${imagesPath}: expected rank 3 images, got [${images.shape.join(',')}]`);
  if (labels.shape.length !== 1) throw new IdxFormatError(`${labelsPath}: expected rank 1 labels, got [${labels.shape.join(',')}]`);
  const [count, rows, cols] = images.shape;
  if (labels.shape[0] !== count) {
    throw new IdxFormatError(`${labelsPath}: ${labels.shape[0]} labels for ${count} images in ${imagesPath}`);
  }
  return { count, rows, cols, images: images.data, labels: labels.data };
}

function hex(b: Uint8Array, n: number): string {
  return Array.from(b.subarray(0, n), (x) => x.toString(16).padStart(2, '0')).join('');
}
