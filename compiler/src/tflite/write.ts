/**
 * IR → TFLite flatbuffer ("TFL3"). Deterministic: the same IR always gives the same bytes.
 * Buffer data vectors are written first, so they sit at the end of the file and are copied into the
 * Builder exactly once, each at the alignment its readers need (buffer-alignment.ts): the natural
 * alignment of the tensor types that read it, 8 for data no tensor reads (metadata).
 * Within each table, fields are added widest first (flatc-generated builders do the same): the Builder
 * prepends, so 1-byte fields after the 4-byte ones need no padding between them (4 bytes per tensor).
 * Buffers marked `external`, or every buffer once the data would pass the 2 GB flatbuffer limit,
 * use the offset/size layout: data follows the flatbuffer, 16-byte aligned, offsets from file start.
 */
import * as flatbuffers from 'flatbuffers';
import type {
  Buffer, DimensionMetadata, ExternalBuffer, ExternalBufferGroup, Model, Operator, OperatorCode, Quantization,
  QuantizationDetails, SignatureDef, SparseIndexVector, Sparsity, Subgraph, Tensor, TensorMap, VariantSubType,
} from '../ir/model.js';
import { bufferAlignments } from './buffer-alignment.js';
import { ModelFormatError } from './errors.js';
import { optionsTypeId, writeOptions, writeScalarVector } from './options-codec.js';
import { validateReferences } from './validate.js';

const DATA_ALIGN = 16;
/**
 * Smaller vectors and strings are written again rather than shared: a shared one saves its bytes in
 * the .tflite, but the offset to it is no longer the small value repeated in every table, and the packed
 * file pays for that entropy (person_detect packed: 224043 B sharing from 64 B up, 224401 sharing all;
 * .tflite 260008 vs 258128; 300120 sharing none).
 */
const SHARE_MIN_BYTES = 64;
/** Flatbuffers address with signed 32-bit offsets; stay clear of 2 GB with room for the tables. */
const INLINE_LIMIT = 0x7fffffff - 64 * 1024 * 1024;

type Offset = flatbuffers.Offset;

export interface WriteOptions {
  /** Inline-data budget before every buffer moves after the flatbuffer; tests lower it from ~2 GB. */
  inlineLimit?: number;
  /** Skip the reference checks; only for tests that need a malformed file to exercise the reader. */
  unchecked?: boolean;
}

/** Throws ModelFormatError (naming the place) for a model readModel would reject, before writing anything. */
export function writeModel(model: Model, options: WriteOptions = {}): Uint8Array {
  try {
    if (options.unchecked !== true) validateReferences(model);
    return write(model, options.inlineLimit ?? INLINE_LIMIT);
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(`cannot write model: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

function align(n: number): number {
  return Math.ceil(n / DATA_ALIGN) * DATA_ALIGN;
}

function write(model: Model, inlineLimit: number): Uint8Array {
  const inlineBytes = model.buffers.reduce((n, b) => n + (b.external === true ? 0 : b.data.length), 0);
  const allExternal = inlineBytes > inlineLimit;
  const external = model.buffers.map((b) => allExternal ? b.data.length > 0 : b.external === true);
  if (!external.includes(true)) return build(model, null).slice();

  // Offsets depend on the flatbuffer's size, and fixed-size fields make that size independent of the
  // offset values: build once with placeholders, place the data, build again with the real offsets.
  const placeholder = model.buffers.map((_, i) => (external[i] ? 2n : 0n));
  const fbSize = build(model, placeholder).length;
  const offsets = model.buffers.map(() => 0n);
  let end = align(fbSize);
  model.buffers.forEach((b, i) => {
    if (!external[i]) return;
    offsets[i] = BigInt(end);
    end = align(end + b.data.length);
  });
  const fb = build(model, offsets);
  if (fb.length !== fbSize) throw new Error('flatbuffer size changed between passes');
  const out = new Uint8Array(end);
  out.set(fb, 0);
  model.buffers.forEach((b, i) => { if (external[i]) out.set(b.data, Number(offsets[i])); });
  return out;
}

/** Builds the flatbuffer; `extOffsets[i] > 0` writes buffer i as offset/size instead of inline data. */
function build(model: Model, extOffsets: bigint[] | null): Uint8Array {
  const b = new flatbuffers.Builder(estimateSize(model, extOffsets));
  const w = new Writer(b);
  const alignments = bufferAlignments(model);
  const buffers = model.buffers.map((buf, i) => w.buffer(buf, extOffsets?.[i] ?? 0n, alignments[i]!));
  const subgraphs = model.subgraphs.map((sg, i) => w.subgraph(sg, `subgraph ${i}`));
  const codes = model.operatorCodes.map((c) => w.operatorCode(c));
  const description = w.str(model.description);
  const metadataBuffer = model.metadataBuffer === undefined ? 0 : w.ints(model.metadataBuffer);
  const metadata = model.metadata === undefined ? 0 : w.offsets(model.metadata.map((m) => w.metadata(m)));
  const signatures = model.signatureDefs === undefined ? 0 : w.offsets(model.signatureDefs.map((s) => w.signatureDef(s)));
  const groups = model.externalBufferGroups === undefined ? 0 : w.offsets(model.externalBufferGroups.map((g) => w.externalBufferGroup(g)));
  const externalBuffers = model.externalBuffers === undefined ? 0 : w.offsets(model.externalBuffers.map((e) => w.externalBuffer(e)));
  const codesVec = w.offsets(codes);
  const subgraphsVec = w.offsets(subgraphs);
  const buffersVec = w.offsets(buffers);
  b.startObject(10);
  b.addFieldInt32(0, model.version, 0);
  b.addFieldOffset(1, codesVec, 0);
  b.addFieldOffset(2, subgraphsVec, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffersVec, 0);
  b.addFieldOffset(5, metadataBuffer, 0);
  b.addFieldOffset(6, metadata, 0);
  b.addFieldOffset(7, signatures, 0);
  b.addFieldOffset(8, groups, 0);
  b.addFieldOffset(9, externalBuffers, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array();
}

/** A capacity guess generous enough that the Builder rarely has to grow (and re-copy the weights). */
function estimateSize(model: Model, extOffsets: bigint[] | null): number {
  let n = 64 * 1024;
  model.buffers.forEach((buf, i) => { n += 48 + ((extOffsets?.[i] ?? 0n) > 0n ? 0 : buf.data.length); });
  for (const sg of model.subgraphs) {
    n += 160 * sg.tensors.length + 96 * sg.operators.length;
    for (const t of sg.tensors) n += 8 * ((t.quantization?.scale?.length ?? 0) + (t.quantization?.zeroPoint?.length ?? 0)) + (t.name?.length ?? 0) * 3;
    for (const op of sg.operators) n += op.customOptions?.length ?? 0;
  }
  return Math.min(n, 0x7fffffff);
}

// The Builder has no bulk-copy API for aligned byte vectors; its (stable, pinned) internals
// `bb`/`space` are what its own createByteVector uses.
interface BuilderInternals { bb: flatbuffers.ByteBuffer; space: number }

class Writer {
  /** Vectors and strings already written, by content: equal ones are written once and shared. */
  private readonly written = new Map<string, Offset>();

  constructor(private readonly b: flatbuffers.Builder) {}

  /**
   * One copy of each distinct vector or string of SHARE_MIN_BYTES or more, every table pointing at it
   * (what FlatBuffers' own CreateSharedString does for strings; a flatbuffer is a DAG, readers never
   * see the sharing). Per-channel zero points (int64, all 0 for symmetric weights) and scales repeat
   * across tensors.
   */
  private shared(key: string, bytes: number, make: () => Offset): Offset {
    if (bytes < SHARE_MIN_BYTES) return make();
    let o = this.written.get(key);
    if (o === undefined) {
      o = make();
      this.written.set(key, o);
    }
    return o;
  }

  bytes(data: Uint8Array, alignment: number): Offset {
    this.b.startVector(1, data.length, alignment);
    const inner = this.b as unknown as BuilderInternals;
    inner.space -= data.length;
    inner.bb.bytes().set(data, inner.space);
    return this.b.endVector();
  }

  ints(values: ArrayLike<number>): Offset {
    return this.shared(`i${Array.prototype.join.call(values, ',')}`, 4 * values.length, () => {
      this.b.startVector(4, values.length, 4);
      for (let i = values.length - 1; i >= 0; i--) this.b.addInt32(values[i]!);
      return this.b.endVector();
    });
  }

  /** float32 vector; -0 keys apart from 0 so sharing never changes a bit. */
  floats(values: readonly number[], what: string): Offset {
    return this.shared(`f${values.map((v) => (Object.is(v, -0) ? '-0' : String(v))).join(',')}`, 4 * values.length, () => writeScalarVector(this.b, 'float', values, what));
  }

  longs(values: readonly bigint[], what: string): Offset {
    return this.shared(`l${values.join(',')}`, 8 * values.length, () => writeScalarVector(this.b, 'long', values, what));
  }

  offsets(values: Offset[]): Offset {
    this.b.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) this.b.addOffset(values[i]!);
    return this.b.endVector();
  }

  str(s: string | undefined): Offset {
    return s === undefined ? 0 : this.shared(`s${s}`, s.length, () => this.b.createString(s));
  }

  buffer(buf: Buffer, extOffset: bigint, alignment: number): Offset {
    const b = this.b;
    if (extOffset > 0n) {
      b.startObject(3);
      b.addFieldInt64(1, extOffset, 0n);
      b.addFieldInt64(2, BigInt(buf.data.length), 0n);
      return b.endObject();
    }
    const data = buf.data.length > 0 ? this.bytes(buf.data, alignment) : 0;
    b.startObject(3);
    b.addFieldOffset(0, data, 0);
    return b.endObject();
  }

  operatorCode(c: OperatorCode): Offset {
    const b = this.b;
    const custom = this.str(c.customCode);
    b.startObject(4);
    b.addFieldOffset(1, custom, 0);
    b.addFieldInt32(2, c.version, 1);
    b.addFieldInt32(3, c.builtinCode, 0);
    b.addFieldInt8(0, c.deprecatedBuiltinCode, 0);
    return b.endObject();
  }

  subgraph(sg: Subgraph, where: string): Offset {
    const b = this.b;
    const tensors = this.offsets(sg.tensors.map((t) => this.tensor(t)));
    const inputs = this.ints(sg.inputs);
    const outputs = this.ints(sg.outputs);
    const operators = this.offsets(sg.operators.map((op, i) => this.operator(op, `${where} operator ${i}`)));
    const name = this.str(sg.name);
    b.startObject(6);
    b.addFieldOffset(0, tensors, 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    b.addFieldOffset(3, operators, 0);
    b.addFieldOffset(4, name, 0);
    b.addFieldInt32(5, sg.debugMetadataIndex ?? -1, -1);
    return b.endObject();
  }

  tensor(t: Tensor): Offset {
    const b = this.b;
    const shape = t.shape === undefined ? 0 : this.ints(t.shape);
    const name = this.str(t.name);
    const quant = t.quantization === undefined ? 0 : this.quantization(t.quantization);
    const sparsity = t.sparsity === undefined ? 0 : this.sparsity(t.sparsity);
    const signature = t.shapeSignature === undefined ? 0 : this.ints(t.shapeSignature);
    const variants = t.variantTensors === undefined ? 0 : this.offsets(t.variantTensors.map((v) => this.variant(v)));
    b.startObject(11);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt32(2, t.buffer, 0);
    b.addFieldOffset(3, name, 0);
    b.addFieldOffset(4, quant, 0);
    b.addFieldOffset(6, sparsity, 0);
    b.addFieldOffset(7, signature, 0);
    b.addFieldOffset(9, variants, 0);
    b.addFieldInt32(10, t.externalBuffer ?? 0, 0);
    b.addFieldInt8(1, t.type, 0);
    b.addFieldInt8(5, t.isVariable ? 1 : 0, 0);
    b.addFieldInt8(8, t.hasRank ? 1 : 0, 0);
    return b.endObject();
  }

  quantization(q: Quantization): Offset {
    const b = this.b;
    const min = q.min === undefined ? 0 : this.floats(q.min, 'min');
    const max = q.max === undefined ? 0 : this.floats(q.max, 'max');
    const scale = q.scale === undefined ? 0 : this.floats(q.scale, 'scale');
    const zeroPoint = q.zeroPoint === undefined ? 0 : this.longs(q.zeroPoint, 'zero_point');
    const details = q.details === undefined ? 0 : this.details(q.details);
    b.startObject(7);
    b.addFieldOffset(0, min, 0);
    b.addFieldOffset(1, max, 0);
    b.addFieldOffset(2, scale, 0);
    b.addFieldOffset(3, zeroPoint, 0);
    b.addFieldOffset(5, details, 0);
    b.addFieldInt32(6, q.quantizedDimension, 0);
    b.addFieldInt8(4, q.details?.type ?? 0, 0);
    return b.endObject();
  }

  details(d: QuantizationDetails): Offset {
    const b = this.b;
    if (d.type === 1) {
      const custom = d.custom === undefined ? 0 : this.bytes(d.custom, DATA_ALIGN);
      b.startObject(1);
      b.addFieldOffset(0, custom, 0);
      return b.endObject();
    }
    // BlockwiseQuantization and MultiAxisQuantization share their first three fields.
    const dims = d.type === 3 && d.quantizedDimensions !== undefined ? this.ints(d.quantizedDimensions) : 0;
    b.startObject(d.type === 3 ? 4 : 3);
    b.addFieldInt32(0, d.scales, 0);
    b.addFieldInt32(1, d.zeroPoints, 0);
    b.addFieldInt32(2, d.blockSize, 0);
    if (d.type === 3) b.addFieldOffset(3, dims, 0);
    return b.endObject();
  }

  sparsity(s: Sparsity): Offset {
    const b = this.b;
    const order = s.traversalOrder === undefined ? 0 : this.ints(s.traversalOrder);
    const blockMap = s.blockMap === undefined ? 0 : this.ints(s.blockMap);
    const dims = s.dimMetadata === undefined ? 0 : this.offsets(s.dimMetadata.map((d) => this.dimension(d)));
    b.startObject(3);
    b.addFieldOffset(0, order, 0);
    b.addFieldOffset(1, blockMap, 0);
    b.addFieldOffset(2, dims, 0);
    return b.endObject();
  }

  dimension(d: DimensionMetadata): Offset {
    const b = this.b;
    const segments = d.arraySegments === undefined ? 0 : this.indexVector(d.arraySegments);
    const indices = d.arrayIndices === undefined ? 0 : this.indexVector(d.arrayIndices);
    b.startObject(6);
    b.addFieldInt32(1, d.denseSize, 0);
    b.addFieldOffset(3, segments, 0);
    b.addFieldOffset(5, indices, 0);
    b.addFieldInt8(0, d.format, 0);
    b.addFieldInt8(2, d.arraySegments === undefined ? 0 : indexVectorType(d.arraySegments), 0);
    b.addFieldInt8(4, d.arrayIndices === undefined ? 0 : indexVectorType(d.arrayIndices), 0);
    return b.endObject();
  }

  indexVector(v: SparseIndexVector): Offset {
    const b = this.b;
    let values: Offset;
    if (v.type === 'int32') values = this.ints(v.values);
    else {
      // Uint16Vector and Uint8Vector carry force_align: 4 in the schema.
      const size = v.type === 'uint16' ? 2 : 1;
      b.startVector(size, v.values.length, 4);
      for (let i = v.values.length - 1; i >= 0; i--) size === 2 ? b.addInt16(v.values[i]!) : b.addInt8(v.values[i]!);
      values = b.endVector();
    }
    b.startObject(1);
    b.addFieldOffset(0, values, 0);
    return b.endObject();
  }

  variant(v: VariantSubType): Offset {
    const b = this.b;
    const shape = v.shape === undefined ? 0 : this.ints(v.shape);
    b.startObject(3);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, v.type, 0);
    b.addFieldInt8(2, v.hasRank ? 1 : 0, 0);
    return b.endObject();
  }

  operator(op: Operator, where: string): Offset {
    const b = this.b;
    const inputs = this.ints(op.inputs);
    const outputs = this.ints(op.outputs);
    const options = op.builtinOptions === undefined ? 0 : writeOptions(b, op.builtinOptions, `${where}: builtin_options`);
    const options2 = op.builtinOptions2 === undefined ? 0 : writeOptions(b, op.builtinOptions2, `${where}: builtin_options_2`);
    const custom = op.customOptions === undefined ? 0 : this.bytes(op.customOptions, 1);
    const mutating = op.mutatingVariableInputs === undefined ? 0 : writeScalarVector(b, 'bool', op.mutatingVariableInputs, 'mutating_variable_inputs');
    const intermediates = op.intermediates === undefined ? 0 : this.ints(op.intermediates);
    b.startObject(14);
    b.addFieldInt32(0, op.opcodeIndex, 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    b.addFieldOffset(4, options, 0);
    b.addFieldOffset(5, custom, 0);
    b.addFieldOffset(7, mutating, 0);
    b.addFieldOffset(8, intermediates, 0);
    b.addFieldOffset(12, options2, 0);
    b.addFieldInt32(13, op.debugMetadataIndex ?? -1, -1);
    if (op.builtinOptions !== undefined) b.addFieldInt8(3, optionsTypeId(1, op.builtinOptions, where), 0);
    b.addFieldInt8(6, op.customOptionsFormat, 0);
    if (op.builtinOptions2 !== undefined) b.addFieldInt8(11, optionsTypeId(2, op.builtinOptions2, where), 0);
    return b.endObject();
  }

  metadata(m: { name?: string; buffer: number }): Offset {
    const b = this.b;
    const name = this.str(m.name);
    b.startObject(2);
    b.addFieldOffset(0, name, 0);
    b.addFieldInt32(1, m.buffer, 0);
    return b.endObject();
  }

  tensorMap(m: TensorMap): Offset {
    const b = this.b;
    const name = this.str(m.name);
    b.startObject(2);
    b.addFieldOffset(0, name, 0);
    b.addFieldInt32(1, m.tensorIndex, 0);
    return b.endObject();
  }

  signatureDef(s: SignatureDef): Offset {
    const b = this.b;
    const inputs = this.offsets(s.inputs.map((m) => this.tensorMap(m)));
    const outputs = this.offsets(s.outputs.map((m) => this.tensorMap(m)));
    const key = this.str(s.signatureKey);
    const tag = this.str(s.deprecatedTag);
    b.startObject(5);
    b.addFieldOffset(0, inputs, 0);
    b.addFieldOffset(1, outputs, 0);
    b.addFieldOffset(2, key, 0);
    b.addFieldOffset(3, tag, 0);
    b.addFieldInt32(4, s.subgraphIndex, 0);
    return b.endObject();
  }

  externalBufferGroup(g: ExternalBufferGroup): Offset {
    const b = this.b;
    const name = this.str(g.name);
    b.startObject(1);
    b.addFieldOffset(0, name, 0);
    return b.endObject();
  }

  externalBuffer(e: ExternalBuffer): Offset {
    const b = this.b;
    const packing = this.str(e.packing);
    b.startObject(5);
    b.addFieldInt32(0, e.id, 0);
    b.addFieldInt32(1, e.group, 0);
    b.addFieldInt64(2, e.offset, 0n);
    b.addFieldInt64(3, e.length, 0n);
    b.addFieldOffset(4, packing, 0);
    return b.endObject();
  }
}

function indexVectorType(v: SparseIndexVector): number {
  return v.type === 'int32' ? 1 : v.type === 'uint16' ? 2 : 3;
}
