/**
 * Generic reader/writer of builtin-options tables, driven by the field descriptions in
 * options-schema.ts. Read fills every scalar (defaults for absent ones); vectors and strings that
 * are absent stay absent. Write omits scalars equal to their default, like flatc-generated code.
 */
import * as flatbuffers from 'flatbuffers';
import type { BuiltinOptions, OptionTable, OptionValue } from '../ir/model.js';
import { ModelFormatError } from './errors.js';
import { SCALAR_SIZE, type ScalarKind, type Table } from './fb-reader.js';
import { BUILTIN_OPTIONS_2_UNION, BUILTIN_OPTIONS_UNION, OPTION_TABLE_FIELDS } from './options-schema.js';

export type OptionField =
  | { name: string; slot: number; kind: 'scalar'; scalar: ScalarKind; dflt: number | bigint | boolean }
  | { name: string; slot: number; kind: 'vector'; scalar: ScalarKind }
  | { name: string; slot: number; kind: 'string' };

export interface OptionTableDesc {
  name: string;
  /** Number of vtable slots, deprecated ones included. */
  slots: number;
  fields: OptionField[];
}

const SCALARS = new Set<string>(Object.keys(SCALAR_SIZE));

function parseDefault(kind: ScalarKind, text: string | undefined): number | bigint | boolean {
  if (kind === 'bool') return text === 'true';
  if (kind === 'long' || kind === 'ulong') return BigInt(text ?? '0');
  return text === undefined ? 0 : Number(text);
}

function parseTable(name: string, spec: string): OptionTableDesc {
  const fields: OptionField[] = [];
  const parts = spec.split(/\s+/).filter((p) => p !== '');
  parts.forEach((part, slot) => {
    const m = /^([A-Za-z0-9-]+):(\[?)([a-z]+)\]?(?:=(.+))?$/.exec(part);
    if (m === null) throw new Error(`options schema: bad field "${part}" in ${name}`);
    const [, fname, vec, kind, dflt] = m as unknown as [string, string, string, string, string | undefined];
    if (fname === '-') return; // deprecated: occupies the slot only
    if (kind === 'string') fields.push({ name: fname, slot, kind: 'string' });
    else if (!SCALARS.has(kind)) throw new Error(`options schema: bad kind "${kind}" in ${name}`);
    else if (vec === '[') fields.push({ name: fname, slot, kind: 'vector', scalar: kind as ScalarKind });
    else fields.push({ name: fname, slot, kind: 'scalar', scalar: kind as ScalarKind, dflt: parseDefault(kind as ScalarKind, dflt) });
  });
  return { name, slots: parts.length, fields };
}

const TABLES = new Map<string, OptionTableDesc>(
  Object.entries(OPTION_TABLE_FIELDS).map(([name, spec]) => [name, parseTable(name, spec)]),
);

/** Description of an options table by name (e.g. "Conv2DOptions"). */
export function optionTable(name: string): OptionTableDesc | undefined {
  return TABLES.get(name);
}

/** Union member names for builtin_options (which = 1) or builtin_options_2 (which = 2); index + 1 is the type id. */
export function optionsUnion(which: 1 | 2): readonly string[] {
  return which === 1 ? BUILTIN_OPTIONS_UNION : BUILTIN_OPTIONS_2_UNION;
}

export function readOptions(which: 1 | 2, type: number, table: Table | undefined, where: string): BuiltinOptions | undefined {
  if (type === 0) return undefined;
  const name = optionsUnion(which)[type - 1];
  const desc = name === undefined ? undefined : TABLES.get(name);
  if (desc === undefined) throw new ModelFormatError(`${where}: unknown builtin options type ${type}`);
  const fields: OptionTable = {};
  for (const f of desc.fields) {
    if (f.kind === 'scalar') {
      fields[f.name] = table === undefined ? f.dflt : table.scalar(f.slot, f.scalar, f.dflt);
    } else if (table !== undefined) {
      const v = f.kind === 'string' ? table.string(f.slot, f.name) : vectorValue(table, f.slot, f.scalar, f.name);
      if (v !== undefined) fields[f.name] = v;
    }
  }
  return { type: name!, fields };
}

function vectorValue(table: Table, slot: number, kind: ScalarKind, name: string): number[] | bigint[] | boolean[] | undefined {
  return table.scalars(slot, kind, name) as number[] | bigint[] | boolean[] | undefined;
}

/** Union type id of an options value, or a ModelFormatError for names the schema does not have. */
export function optionsTypeId(which: 1 | 2, options: BuiltinOptions, where: string): number {
  const id = optionsUnion(which).indexOf(options.type);
  if (id < 0) throw new ModelFormatError(`${where}: "${options.type}" is not a member of builtin_options${which === 2 ? '_2' : ''}`);
  return id + 1;
}

function toNumber(v: OptionValue, where: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  throw new ModelFormatError(`${where}: expected a number`);
}

function toBigInt(v: OptionValue, where: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'boolean') return v ? 1n : 0n;
  throw new ModelFormatError(`${where}: expected an integer`);
}

function addScalar(b: flatbuffers.Builder, kind: ScalarKind, v: OptionValue, where: string): void {
  switch (kind) {
    case 'bool': b.addInt8(v === true || (typeof v === 'number' && v !== 0) ? 1 : 0); break;
    case 'byte': case 'ubyte': b.addInt8(toNumber(v, where)); break;
    case 'short': case 'ushort': b.addInt16(toNumber(v, where)); break;
    case 'int': case 'uint': b.addInt32(toNumber(v, where)); break;
    case 'long': case 'ulong': b.addInt64(toBigInt(v, where)); break;
    case 'float': b.addFloat32(toNumber(v, where)); break;
    case 'double': b.addFloat64(toNumber(v, where)); break;
  }
}

function addScalarField(b: flatbuffers.Builder, slot: number, kind: ScalarKind, v: OptionValue, dflt: number | bigint | boolean, where: string): void {
  switch (kind) {
    case 'bool': b.addFieldInt8(slot, v === true || (typeof v === 'number' && v !== 0) ? 1 : 0, dflt ? 1 : 0); break;
    case 'byte': case 'ubyte': b.addFieldInt8(slot, toNumber(v, where), dflt as number); break;
    case 'short': case 'ushort': b.addFieldInt16(slot, toNumber(v, where), dflt as number); break;
    case 'int': case 'uint': b.addFieldInt32(slot, toNumber(v, where), dflt as number); break;
    case 'long': case 'ulong': b.addFieldInt64(slot, toBigInt(v, where), dflt as bigint); break;
    case 'float': b.addFieldFloat32(slot, toNumber(v, where), dflt as number); break;
    case 'double': b.addFieldFloat64(slot, toNumber(v, where), dflt as number); break;
  }
}

/** Writes a vector of scalars (elements are added back to front, as the Builder requires). */
export function writeScalarVector(b: flatbuffers.Builder, kind: ScalarKind, values: ArrayLike<OptionValue>, where: string): flatbuffers.Offset {
  const size = SCALAR_SIZE[kind];
  b.startVector(size, values.length, size);
  for (let i = values.length - 1; i >= 0; i--) addScalar(b, kind, values[i], where);
  return b.endVector();
}

const WRITE_ORDER = new Map<OptionTableDesc, OptionField[]>();

/**
 * Fields widest first (stable by slot), as flatc-generated builders add them: the Builder prepends, so
 * narrow fields after wide ones need no alignment padding between them.
 */
function writeOrder(desc: OptionTableDesc): OptionField[] {
  let order = WRITE_ORDER.get(desc);
  if (order === undefined) {
    const width = (f: OptionField): number => (f.kind === 'scalar' ? SCALAR_SIZE[f.scalar] : 4);
    order = desc.fields.map((f, i) => ({ f, i })).sort((a, b) => width(b.f) - width(a.f) || a.i - b.i).map(({ f }) => f);
    WRITE_ORDER.set(desc, order);
  }
  return order;
}

/** Writes an options table; returns its offset (the caller sets the union type). */
export function writeOptions(b: flatbuffers.Builder, options: BuiltinOptions, where: string): flatbuffers.Offset {
  const desc = TABLES.get(options.type);
  if (desc === undefined) throw new ModelFormatError(`${where}: unknown options table "${options.type}"`);
  const offsets = new Map<number, flatbuffers.Offset>();
  for (const f of desc.fields) {
    const v = options.fields[f.name];
    if (v === undefined || f.kind === 'scalar') continue;
    const fw = `${where}.${f.name}`;
    if (f.kind === 'string') {
      if (typeof v !== 'string') throw new ModelFormatError(`${fw}: expected a string`);
      offsets.set(f.slot, b.createString(v));
    } else {
      if (!Array.isArray(v)) throw new ModelFormatError(`${fw}: expected an array`);
      offsets.set(f.slot, writeScalarVector(b, f.scalar, v as OptionValue[], fw));
    }
  }
  b.startObject(desc.slots);
  for (const f of writeOrder(desc)) {
    const fw = `${where}.${f.name}`;
    if (f.kind === 'scalar') {
      const v = options.fields[f.name];
      if (v !== undefined) addScalarField(b, f.slot, f.scalar, v, f.dflt, fw);
    } else {
      const off = offsets.get(f.slot);
      if (off !== undefined) b.addFieldOffset(f.slot, off, 0);
    }
  }
  return b.endObject();
}
