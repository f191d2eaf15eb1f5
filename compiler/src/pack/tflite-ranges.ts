/**
 * Finds the constant buffers of a .tflite file and whether int8 tensors use them, reading just the
 * few flatbuffer fields needed (Model.subgraphs/buffers, SubGraph.tensors, Tensor.type/buffer,
 * Buffer.data/offset/size). Packing must stay lossless for any input, including files the full
 * reader rejects, so this scan is tolerant: on anything unexpected it returns no ranges and the
 * whole file is packed as bytes.
 */
const TENSOR_TYPE_INT8 = 9;

export interface BufferRange {
  offset: number;
  length: number;
  int8: boolean;
  /**
   * Int8 buffers: elements per output channel (the product of the tensor's dims after the first), when
   * the shape has ≥ 2 dims and splits the buffer into ≥ 2 such rows; else undefined.
   */
  rowLength?: number;
}

class Fb {
  private readonly dv: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private check(pos: number, n: number): void {
    if (pos < 0 || pos + n > this.bytes.length) throw new RangeError('flatbuffer offset out of range');
  }
  u32(pos: number): number { this.check(pos, 4); return this.dv.getUint32(pos, true); }
  i32(pos: number): number { this.check(pos, 4); return this.dv.getInt32(pos, true); }
  u64(pos: number): number { this.check(pos, 8); return Number(this.dv.getBigUint64(pos, true)); }
  /** Absolute position of field `id` of the table at `table`, or 0 when absent. */
  field(table: number, id: number): number {
    const vt = table - this.i32(table);
    this.check(vt, 4);
    const vtSize = this.dv.getUint16(vt, true);
    if (4 + 2 * id + 2 > vtSize) return 0;
    this.check(vt + 4 + 2 * id, 2);
    const off = this.dv.getUint16(vt + 4 + 2 * id, true);
    return off ? table + off : 0;
  }
  deref(pos: number): number { return pos + this.u32(pos); }
  /** [first element position, length] of the vector field, or [0, 0] when absent. */
  vector(table: number, id: number): [number, number] {
    const f = this.field(table, id);
    if (!f) return [0, 0];
    const v = this.deref(f);
    const n = this.u32(v);
    this.check(v + 4, n);
    return [v + 4, n];
  }
  tables(table: number, id: number): number[] {
    const [start, n] = this.vector(table, id);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.deref(start + 4 * i));
    return out;
  }
}

/** Tensor.shape (field 0, int32 dims): the product of the dims after the first, 0 without ≥ 2 positive dims. */
function rowLength(fb: Fb, tensor: number): number {
  const [start, n] = fb.vector(tensor, 0);
  if (n < 2) return 0;
  let row = 1;
  for (let k = 1; k < n; k++) {
    const d = fb.i32(start + 4 * k);
    if (d <= 0) return 0;
    row *= d;
  }
  return fb.i32(start) > 0 && row < 2 ** 31 ? row : 0;
}

/** Non-empty constant buffers, sorted by offset, non-overlapping. */
export function tfliteBufferRanges(bytes: Uint8Array): BufferRange[] {
  try {
    return scan(bytes);
  } catch {
    return [];
  }
}

function scan(bytes: Uint8Array): BufferRange[] {
  // The file identifier "TFL3" sits at bytes 4..7.
  if (bytes.length < 8 || String.fromCharCode(...bytes.subarray(4, 8)) !== 'TFL3') return [];
  const fb = new Fb(bytes);
  const model = fb.deref(0);
  const buffers = fb.tables(model, 4);
  /** Int8 buffers, with the row length of the first tensor that uses each (0: none). */
  const int8Buffers = new Map<number, number>();
  for (const sg of fb.tables(model, 2)) {
    for (const t of fb.tables(sg, 0)) {
      const typeField = fb.field(t, 1);
      const type = typeField ? bytes[typeField] : 0;
      const bufField = fb.field(t, 2);
      const buf = bufField ? fb.u32(bufField) : 0;
      if (type === TENSOR_TYPE_INT8 && !int8Buffers.has(buf)) int8Buffers.set(buf, rowLength(fb, t));
    }
  }
  const ranges: BufferRange[] = [];
  buffers.forEach((b, i) => {
    let offset: number;
    let length: number;
    const [dataStart, dataLen] = fb.vector(b, 0);
    if (dataLen > 0) {
      offset = dataStart;
      length = dataLen;
    } else {
      const o = fb.field(b, 1);
      const s = fb.field(b, 2);
      if (!o || !s) return;
      offset = fb.u64(o);
      length = fb.u64(s);
      if (offset + length > bytes.length) return;
    }
    if (length <= 0) return;
    const row = int8Buffers.get(i);
    const range: BufferRange = { offset, length, int8: row !== undefined };
    if (row && row < length && length % row === 0) range.rowLength = row;
    ranges.push(range);
  });
  ranges.sort((a, b) => a.offset - b.offset);
  const out: BufferRange[] = [];
  let end = 0;
  for (const r of ranges) {
    if (r.offset < end) continue;
    out.push(r);
    end = r.offset + r.length;
  }
  return out;
}
