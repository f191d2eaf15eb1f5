/**
 * TFLite flatbuffer → IR. Lossless for every field the IR models; weight data are zero-copy views
 * into `bytes`. Any malformed input throws ModelFormatError (see fb-reader.ts for how).
 */
import type {
  Buffer, DimensionMetadata, ExternalBuffer, ExternalBufferGroup, Metadata, Model, Operator, OperatorCode, Quantization,
  QuantizationDetails, SignatureDef, SparseIndexVector, Sparsity, Subgraph, Tensor, TensorMap, VariantSubType,
} from '../ir/model.js';
import { isTensorType, type TensorType } from '../ir/tensor-type.js';
import { ModelFormatError } from './errors.js';
import { FlatReader, type Table } from './fb-reader.js';
import { readOptions } from './options-codec.js';
import { validateReferences } from './validate.js';

export function readModel(bytes: Uint8Array): Model {
  try {
    const model = decodeModel(new FlatReader(bytes));
    validateReferences(model);
    return model;
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    // Defence in depth: nothing else may escape, whatever the bytes.
    throw new ModelFormatError(`malformed model: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

function decodeModel(r: FlatReader): Model {
  const root = r.root();
  const model: Model = {
    version: root.uint(0),
    operatorCodes: (root.tables(1, 'operator_codes') ?? []).map(readOperatorCode),
    subgraphs: (root.tables(2, 'subgraphs') ?? []).map(readSubgraph),
    buffers: (root.tables(4, 'buffers') ?? []).map((t) => readBuffer(r, t)),
  };
  const description = root.string(3, 'description');
  if (description !== undefined) model.description = description;
  const metadataBuffer = root.ints(5, 'metadata_buffer');
  if (metadataBuffer !== undefined) model.metadataBuffer = metadataBuffer;
  const metadata = root.tables(6, 'metadata');
  if (metadata !== undefined) model.metadata = metadata.map(readMetadata);
  const signatureDefs = root.tables(7, 'signature_defs');
  if (signatureDefs !== undefined) model.signatureDefs = signatureDefs.map(readSignatureDef);
  const groups = root.tables(8, 'external_buffer_groups');
  if (groups !== undefined) model.externalBufferGroups = groups.map(readExternalBufferGroup);
  const externalBuffers = root.tables(9, 'external_buffers');
  if (externalBuffers !== undefined) model.externalBuffers = externalBuffers.map(readExternalBuffer);
  return model;
}

function readExternalBufferGroup(t: Table): ExternalBufferGroup {
  const g: ExternalBufferGroup = {};
  const name = t.string(0, 'name');
  if (name !== undefined) g.name = name;
  return g;
}

function readExternalBuffer(t: Table): ExternalBuffer {
  const eb: ExternalBuffer = { id: t.uint(0), group: t.uint(1), offset: t.ulong(2), length: t.ulong(3) };
  const packing = t.string(4, 'packing');
  if (packing !== undefined) eb.packing = packing;
  return eb;
}

/** Optional int fields whose schema default is -1 are kept only when set to something else. */
function debugMetadataIndex(t: Table, slot: number): number | undefined {
  const i = t.int(slot, -1);
  return i === -1 ? undefined : i;
}

function readOperatorCode(t: Table): OperatorCode {
  const deprecated = t.byte(0);
  if (deprecated < 0) throw new ModelFormatError(`${t.where}: negative builtin code ${deprecated}`);
  const code: OperatorCode = {
    // The schema's rule: the real code is the larger of the legacy and the extended field.
    builtinCode: Math.max(deprecated, t.int(3)),
    deprecatedBuiltinCode: deprecated,
    version: t.int(2, 1),
  };
  const custom = t.string(1, 'custom_code');
  if (custom !== undefined) code.customCode = custom;
  return code;
}

function readSubgraph(t: Table): Subgraph {
  const sg: Subgraph = {
    tensors: (t.tables(0, 'tensors') ?? []).map(readTensor),
    inputs: t.ints(1, 'inputs') ?? [],
    outputs: t.ints(2, 'outputs') ?? [],
    operators: (t.tables(3, 'operators') ?? []).map(readOperator),
  };
  const name = t.string(4, 'name');
  if (name !== undefined) sg.name = name;
  const debug = debugMetadataIndex(t, 5);
  if (debug !== undefined) sg.debugMetadataIndex = debug;
  return sg;
}

function tensorType(t: Table, slot: number): TensorType {
  const type = t.byte(slot);
  if (!isTensorType(type)) throw new ModelFormatError(`${t.where}: unknown tensor type ${type}`);
  return type;
}

function readTensor(t: Table): Tensor {
  const tensor: Tensor = {
    type: tensorType(t, 1),
    buffer: t.uint(2),
    isVariable: t.bool(5),
    hasRank: t.bool(8),
  };
  const shape = t.ints(0, 'shape');
  if (shape !== undefined) tensor.shape = shape;
  const name = t.string(3, 'name');
  if (name !== undefined) tensor.name = name;
  const q = t.table(4, 'quantization');
  if (q !== undefined) tensor.quantization = readQuantization(q);
  const sp = t.table(6, 'sparsity');
  if (sp !== undefined) tensor.sparsity = readSparsity(sp);
  const sig = t.ints(7, 'shape_signature');
  if (sig !== undefined) tensor.shapeSignature = sig;
  const variants = t.tables(9, 'variant_tensors');
  if (variants !== undefined) tensor.variantTensors = variants.map(readVariant);
  const external = t.uint(10);
  if (external !== 0) tensor.externalBuffer = external;
  return tensor;
}

function readQuantization(t: Table): Quantization {
  const q: Quantization = { quantizedDimension: t.int(6) };
  const min = t.scalars(0, 'float', 'min');
  if (min !== undefined) q.min = min as number[];
  const max = t.scalars(1, 'float', 'max');
  if (max !== undefined) q.max = max as number[];
  const scale = t.scalars(2, 'float', 'scale');
  if (scale !== undefined) q.scale = scale as number[];
  const zp = t.scalars(3, 'long', 'zero_point');
  if (zp !== undefined) q.zeroPoint = zp as bigint[];
  const detailsType = t.ubyte(4);
  if (detailsType > 3) throw new ModelFormatError(`${t.where}: unknown quantization details type ${detailsType}`);
  if (detailsType !== 0) q.details = readDetails(detailsType, t.table(5, 'details'));
  return q;
}

/** A details union value; a missing table reads as all-default fields, as flatc's accessors do. */
function readDetails(type: number, t: Table | undefined): QuantizationDetails {
  if (type === 1) {
    const custom = t?.bytes(0, 'custom');
    return custom === undefined ? { type: 1 } : { type: 1, custom };
  }
  const scales = t?.int(0) ?? 0;
  const zeroPoints = t?.int(1) ?? 0;
  const blockSize = t?.int(2) ?? 0;
  if (type === 2) return { type: 2, scales, zeroPoints, blockSize };
  const details: QuantizationDetails = { type: 3, scales, zeroPoints, blockSize };
  const dims = t?.ints(3, 'quantized_dimensions');
  if (dims !== undefined) details.quantizedDimensions = dims;
  return details;
}

function readSparsity(t: Table): Sparsity {
  const s: Sparsity = {};
  const order = t.ints(0, 'traversal_order');
  if (order !== undefined) s.traversalOrder = order;
  const blockMap = t.ints(1, 'block_map');
  if (blockMap !== undefined) s.blockMap = blockMap;
  const dims = t.tables(2, 'dim_metadata');
  if (dims !== undefined) s.dimMetadata = dims.map(readDimension);
  return s;
}

function readDimension(t: Table): DimensionMetadata {
  const d: DimensionMetadata = { format: t.byte(0), denseSize: t.int(1) };
  const segments = readIndexVector(t, 2, 'array_segments');
  if (segments !== undefined) d.arraySegments = segments;
  const indices = readIndexVector(t, 4, 'array_indices');
  if (indices !== undefined) d.arrayIndices = indices;
  return d;
}

function readIndexVector(t: Table, typeSlot: number, what: string): SparseIndexVector | undefined {
  const type = t.ubyte(typeSlot);
  if (type === 0) return undefined;
  const v = t.table(typeSlot + 1, what);
  switch (type) {
    case 1: return { type: 'int32', values: Int32Array.from((v?.scalars(0, 'int', 'values') ?? []) as number[]) };
    case 2: return { type: 'uint16', values: Uint16Array.from((v?.scalars(0, 'ushort', 'values') ?? []) as number[]) };
    case 3: return { type: 'uint8', values: Uint8Array.from((v?.scalars(0, 'ubyte', 'values') ?? []) as number[]) };
    default: throw new ModelFormatError(`${t.where}.${what}: unknown sparse index vector type ${type}`);
  }
}

function readVariant(t: Table): VariantSubType {
  const v: VariantSubType = { type: tensorType(t, 1), hasRank: t.bool(2) };
  const shape = t.ints(0, 'shape');
  if (shape !== undefined) v.shape = shape;
  return v;
}

function readOperator(t: Table): Operator {
  const op: Operator = {
    opcodeIndex: t.uint(0),
    inputs: t.ints(1, 'inputs') ?? [],
    outputs: t.ints(2, 'outputs') ?? [],
    customOptionsFormat: t.byte(6),
  };
  const options = readOptions(1, t.ubyte(3), t.table(4, 'builtin_options'), `${t.where}.builtin_options`);
  if (options !== undefined) op.builtinOptions = options;
  const options2 = readOptions(2, t.ubyte(11), t.table(12, 'builtin_options_2'), `${t.where}.builtin_options_2`);
  if (options2 !== undefined) op.builtinOptions2 = options2;
  const custom = t.bytes(5, 'custom_options');
  if (custom !== undefined) op.customOptions = custom;
  // Models > 2 GB keep custom options after the flatbuffer (offset from file start, valid when > 1).
  const largeOffset = t.ulong(9);
  if (largeOffset > 1n) op.customOptions = outOfLine(t, largeOffset, t.ulong(10), 'large custom options');
  const mutating = t.scalars(7, 'bool', 'mutating_variable_inputs');
  if (mutating !== undefined) op.mutatingVariableInputs = mutating as boolean[];
  const intermediates = t.ints(8, 'intermediates');
  if (intermediates !== undefined) op.intermediates = intermediates;
  const debug = debugMetadataIndex(t, 13);
  if (debug !== undefined) op.debugMetadataIndex = debug;
  return op;
}

function outOfLine(t: Table, offset: bigint, size: bigint, what: string): Uint8Array {
  const end = offset + size;
  if (end > BigInt(t.r.length)) throw new ModelFormatError(`${t.where}: ${what} out of bounds (offset ${offset}, size ${size}, file ${t.r.length} bytes)`);
  return t.r.bytes.subarray(Number(offset), Number(end));
}

function readBuffer(r: FlatReader, t: Table): Buffer {
  const offset = t.ulong(1);
  if (offset > 1n) return { data: outOfLine(t, offset, t.ulong(2), 'data'), external: true };
  return { data: t.bytes(0, 'data') ?? r.bytes.subarray(0, 0) };
}

function readMetadata(t: Table): Metadata {
  const m: Metadata = { buffer: t.uint(1) };
  const name = t.string(0, 'name');
  if (name !== undefined) m.name = name;
  return m;
}

function readTensorMap(t: Table): TensorMap {
  const m: TensorMap = { tensorIndex: t.uint(1) };
  const name = t.string(0, 'name');
  if (name !== undefined) m.name = name;
  return m;
}

function readSignatureDef(t: Table): SignatureDef {
  const s: SignatureDef = {
    inputs: (t.tables(0, 'inputs') ?? []).map(readTensorMap),
    outputs: (t.tables(1, 'outputs') ?? []).map(readTensorMap),
    subgraphIndex: t.uint(4),
  };
  const key = t.string(2, 'signature_key');
  if (key !== undefined) s.signatureKey = key;
  const tag = t.string(3, 'deprecated_tag');
  if (tag !== undefined) s.deprecatedTag = tag;
  return s;
}
