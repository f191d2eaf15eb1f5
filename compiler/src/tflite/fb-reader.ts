/**
 * Bounds-checked access to flatbuffer tables on top of flatbuffers' ByteBuffer.
 *
 * The flatbuffers JS runtime trusts its input: a bad offset reads garbage or throws RangeError.
 * Here every table (with its vtable) and every vector is validated against the file length when it
 * is reached, so later scalar reads inside them need no further checks, and a malformed file can
 * only produce a ModelFormatError. Offsets in a flatbuffer point forward only, so there are no
 * cycles; but several offsets may share one object, so decoding charges a budget proportional to
 * the file size to stop a small file from expanding into a huge IR.
 * Error locations (e.g. "Model.subgraphs[0].tensors[12].quantization") are built only on failure.
 */
import * as flatbuffers from 'flatbuffers';
import { ModelFormatError } from './errors.js';

export type ScalarKind = 'bool' | 'byte' | 'ubyte' | 'short' | 'ushort' | 'int' | 'uint' | 'long' | 'ulong' | 'float' | 'double';

export const SCALAR_SIZE: Readonly<Record<ScalarKind, number>> = {
  bool: 1, byte: 1, ubyte: 1, short: 2, ushort: 2, int: 4, uint: 4, long: 8, ulong: 8, float: 4, double: 8,
};

const utf8 = new TextDecoder('utf-8');

/** Where an object sits in the model, as a lazily joined path. */
class Path {
  constructor(readonly parent: Path | undefined, readonly label: string, readonly index = -1) {}

  toString(): string {
    const own = this.index >= 0 ? `${this.label}[${this.index}]` : this.label;
    return this.parent === undefined ? own : `${this.parent.toString()}.${own}`;
  }
}

export class FlatReader {
  readonly bb: flatbuffers.ByteBuffer;
  readonly length: number;
  /** Decoded units (tables, vector elements, string bytes) still allowed. */
  private budget: number;

  constructor(readonly bytes: Uint8Array) {
    this.bb = new flatbuffers.ByteBuffer(bytes);
    this.length = bytes.length;
    // A well-formed file spends at least one byte per unit, so twice its size leaves ample slack.
    this.budget = 2 * bytes.length + 65536;
  }

  charge(units: number, path: Path): void {
    this.budget -= units;
    if (this.budget < 0) throw new ModelFormatError(`${path.toString()}: decoded size exceeds what a ${this.length}-byte file can hold (shared or overlapping objects)`);
  }

  check(pos: number, size: number, path: Path | string): void {
    if (!(pos >= 0 && size >= 0 && pos + size <= this.length)) {
      throw new ModelFormatError(`${path.toString()}: offset ${pos} (+${size} bytes) out of bounds of the ${this.length}-byte file`);
    }
  }

  /** Reads a scalar the caller has already bounds-checked (inside a validated table or vector). */
  scalar(pos: number, kind: ScalarKind): number | bigint | boolean {
    const bb = this.bb;
    switch (kind) {
      case 'bool': return bb.readUint8(pos) !== 0;
      case 'byte': return bb.readInt8(pos);
      case 'ubyte': return bb.readUint8(pos);
      case 'short': return bb.readInt16(pos);
      case 'ushort': return bb.readUint16(pos);
      case 'int': return bb.readInt32(pos);
      case 'uint': return bb.readUint32(pos);
      case 'long': return bb.readInt64(pos);
      case 'ulong': return bb.readUint64(pos);
      case 'float': return bb.readFloat32(pos);
      case 'double': return bb.readFloat64(pos);
    }
  }

  /** The root table, after checking the file identifier when one is present. */
  root(): Table {
    if (this.length < 8) throw new ModelFormatError(`file too small for a flatbuffer (${this.length} bytes)`);
    // Identifiers are optional in flatbuffers; four alphanumerics there mean one is present.
    const id = String.fromCharCode(...this.bytes.subarray(4, 8));
    if (/^[A-Za-z0-9]{4}$/.test(id) && id !== 'TFL3') throw new ModelFormatError(`not a TFLite model: file identifier "${id}", expected "TFL3"`);
    return this.table(this.bb.readUint32(0), new Path(undefined, 'Model'));
  }

  table(pos: number, path: Path): Table {
    this.charge(1, path);
    this.check(pos, 4, path);
    const vt = pos - this.bb.readInt32(pos);
    this.check(vt, 4, `${path.toString()}: vtable`);
    const vtSize = this.bb.readUint16(vt);
    const objSize = this.bb.readUint16(vt + 2);
    if (vtSize < 4 || vtSize % 2 !== 0) throw new ModelFormatError(`${path.toString()}: bad vtable size ${vtSize}`);
    if (objSize < 4) throw new ModelFormatError(`${path.toString()}: bad table size ${objSize}`);
    this.check(vt, vtSize, `${path.toString()}: vtable`);
    this.check(pos, objSize, path);
    return new Table(this, pos, vt, vtSize, objSize, path);
  }
}

/** One table: typed, bounds-checked field access by vtable slot. */
export class Table {
  constructor(
    readonly r: FlatReader,
    readonly pos: number,
    private readonly vt: number,
    private readonly vtSize: number,
    private readonly objSize: number,
    private readonly path: Path,
  ) {}

  /** Location of this table in the model, for error messages. */
  get where(): string {
    return this.path.toString();
  }

  /** Offset of the field inside the table (checked to fit in it), 0 when absent. */
  private field(slot: number, size: number): number {
    const voff = 4 + 2 * slot;
    if (voff + 2 > this.vtSize) return 0;
    const off = this.r.bb.readUint16(this.vt + voff);
    if (off === 0) return 0;
    if (off < 4 || off + size > this.objSize) throw new ModelFormatError(`${this.where}: field ${slot} lies outside its table`);
    return off;
  }

  has(slot: number): boolean {
    return this.field(slot, 0) !== 0;
  }

  scalar(slot: number, kind: ScalarKind, dflt: number | bigint | boolean): number | bigint | boolean {
    const off = this.field(slot, SCALAR_SIZE[kind]);
    return off === 0 ? dflt : this.r.scalar(this.pos + off, kind);
  }

  int(slot: number, dflt = 0): number {
    return this.scalar(slot, 'int', dflt) as number;
  }

  uint(slot: number, dflt = 0): number {
    return this.scalar(slot, 'uint', dflt) as number;
  }

  byte(slot: number, dflt = 0): number {
    return this.scalar(slot, 'byte', dflt) as number;
  }

  ubyte(slot: number, dflt = 0): number {
    return this.scalar(slot, 'ubyte', dflt) as number;
  }

  bool(slot: number, dflt = false): boolean {
    return this.scalar(slot, 'bool', dflt) as boolean;
  }

  ulong(slot: number): bigint {
    return this.scalar(slot, 'ulong', 0n) as bigint;
  }

  /** Absolute position an offset field points to, or undefined when absent. */
  private target(slot: number): number | undefined {
    const off = this.field(slot, 4);
    if (off === 0) return undefined;
    const p = this.pos + off;
    return p + this.r.bb.readUint32(p);
  }

  table(slot: number, what: string): Table | undefined {
    const p = this.target(slot);
    return p === undefined ? undefined : this.r.table(p, new Path(this.path, what));
  }

  /** Start and element count of a vector field, checked to fit in the file. */
  private vector(slot: number, elemSize: number, what: string): { start: number; count: number } | undefined {
    const p = this.target(slot);
    if (p === undefined) return undefined;
    this.r.check(p, 4, `${this.where}.${what}`);
    const count = this.r.bb.readUint32(p);
    const start = p + 4;
    if (count * elemSize > this.r.length - start) {
      throw new ModelFormatError(`${this.where}.${what}: vector of ${count} elements runs past the end of the file`);
    }
    return { start, count };
  }

  /** A zero-copy view of a byte vector. */
  bytes(slot: number, what: string): Uint8Array | undefined {
    const v = this.vector(slot, 1, what);
    return v === undefined ? undefined : this.r.bytes.subarray(v.start, v.start + v.count);
  }

  string(slot: number, what: string): string | undefined {
    const v = this.bytes(slot, what);
    if (v === undefined) return undefined;
    this.r.charge(v.length, this.path);
    return utf8.decode(v);
  }

  scalars(slot: number, kind: ScalarKind, what: string): Array<number | bigint | boolean> | undefined {
    const size = SCALAR_SIZE[kind];
    const v = this.vector(slot, size, what);
    if (v === undefined) return undefined;
    this.r.charge(v.count, this.path);
    const out = new Array<number | bigint | boolean>(v.count);
    for (let i = 0; i < v.count; i++) out[i] = this.r.scalar(v.start + i * size, kind);
    return out;
  }

  ints(slot: number, what: string): number[] | undefined {
    return this.scalars(slot, 'int', what) as number[] | undefined;
  }

  tables(slot: number, what: string): Table[] | undefined {
    const v = this.vector(slot, 4, what);
    if (v === undefined) return undefined;
    this.r.charge(v.count, this.path);
    const out = new Array<Table>(v.count);
    for (let i = 0; i < v.count; i++) {
      const p = v.start + 4 * i;
      out[i] = this.r.table(p + this.r.bb.readUint32(p), new Path(this.path, what, i));
    }
    return out;
  }
}
