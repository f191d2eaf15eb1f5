/**
 * NumPy's .npy format, float32 only: the tensor format for calibration and evaluation samples
 * (parsed here) and the one tests and benches write their inputs in (encoded here).
 */

export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

/** .npy v1-v3 holding little-endian float32 in C order. */
export function parseNpy(bytes: Uint8Array): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new Error('not a .npy file');
  const major = bytes[6]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error('malformed .npy header');
  if (descr !== '<f4') throw new Error(`.npy dtype ${descr} unsupported (need little-endian float32 '<f4')`);
  if (fortran === 'True') throw new Error('.npy in Fortran order unsupported (need C order)');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  if (bytes.length - dataStart !== count * 4) {
    throw new Error(`.npy data is ${bytes.length - dataStart} bytes, shape (${shape.join(',')}) needs ${count * 4}`);
  }
  return { shape, data: littleEndianFloat32(bytes, dataStart, count) };
}

/** A .npy v1 file of little-endian float32 in C order (the header padded to 64 bytes, as NumPy writes it). */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`.npy shape (${shape.join(',')}) holds ${count} values, got ${data.length}`);
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + 4 * count);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  const dv = new DataView(out.buffer);
  dv.setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  for (let i = 0; i < count; i++) dv.setFloat32(10 + header.length + 4 * i, data[i]!, true);
  return out;
}

export function littleEndianFloat32(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 4);
  for (let i = 0; i < count; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}

