/**
 * TFLite's packed INT4 tensor storage (TensorType.INT4): two signed 4-bit values per byte, the
 * element with the lower index in the low nibble, ceil(n / 2) bytes; the last high nibble of an
 * odd count is padding (written as 0).
 */

export const INT4_MIN = -8;
export const INT4_MAX = 7;

/** Bytes that hold `count` packed int4 elements. */
export function int4Bytes(count: number): number {
  return Math.ceil(count / 2);
}

/** Packs int values in [-8, 7]; throws on anything else (a caller bug, not a user error). */
export function packInt4(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(int4Bytes(values.length));
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < INT4_MIN || v > INT4_MAX) throw new RangeError(`int4 value out of range at ${i}: ${v}`);
    out[i >> 1]! |= (v & 0x0f) << ((i & 1) * 4);
  }
  return out;
}

/** The `count` signed values of packed int4 `bytes`. */
export function unpackInt4(bytes: Uint8Array, count: number): Int8Array {
  if (bytes.byteLength < int4Bytes(count)) throw new RangeError(`${bytes.byteLength} bytes cannot hold ${count} int4 values`);
  const out = new Int8Array(count);
  for (let i = 0; i < count; i++) {
    const nibble = (bytes[i >> 1]! >> ((i & 1) * 4)) & 0x0f;
    out[i] = nibble >= 8 ? nibble - 16 : nibble;
  }
  return out;
}
