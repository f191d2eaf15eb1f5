/** The packed model format (docs/format.md): lossless, Huffman-coded container for .tflite files. */
export { packModel, packedBufferBytes } from './pack.js';
export { unpackModel, type UnpackOptions } from './unpack.js';
export { isPacked, DEFAULT_MAX_DECODED_SIZE } from './container.js';
export { describePacked, type PackedStats, type PackedSectionStats } from './describe.js';
export { PackFormatError } from './errors.js';

/** File name suffix of a packed model: `model.tflite` → `model.tflite.mlshrink`. */
export const PACKED_SUFFIX = '.mlshrink';
