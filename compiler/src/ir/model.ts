/**
 * The in-memory IR of a TFLite model. It mirrors the TFLite flatbuffer schema field for field so
 * that read → write → read is lossless, while using plain JS values that passes can edit.
 *
 * Conventions:
 * - Absent optional scalars are filled with the schema default on read, so two models that differ
 *   only in whether a default was written compare equal.
 * - Absent vectors/tables are `undefined` (not empty) when the schema distinguishes them
 *   (e.g. `shapeSignature`, `quantization`), so the writer can reproduce absence.
 * - Scalars added late to the schema whose default means "none" (Tensor.externalBuffer = 0,
 *   debugMetadataIndex = -1) are optional here and present only when set, so IR built by code that
 *   predates them stays valid.
 * - Weight data is a zero-copy `Uint8Array` view into the file the model was read from.
 */
import type { TensorType } from './tensor-type.js';

export interface Model {
  version: number;
  description?: string;
  operatorCodes: OperatorCode[];
  subgraphs: Subgraph[];
  buffers: Buffer[];
  /** Model.metadata_buffer: indices into `buffers` (legacy field, kept verbatim). */
  metadataBuffer?: number[];
  metadata?: Metadata[];
  signatureDefs?: SignatureDef[];
  /** Files/URIs that hold external weight data; ExternalBuffer.group indexes this list. */
  externalBufferGroups?: ExternalBufferGroup[];
  /** Weight slices stored outside the .tflite; tensors refer to them by `id` (Tensor.externalBuffer). */
  externalBuffers?: ExternalBuffer[];
}

export interface ExternalBufferGroup {
  name?: string;
}

export interface ExternalBuffer {
  /** Unique id, referenced by Tensor.externalBuffer (0 there means "no external buffer"). */
  id: number;
  /** Index into Model.externalBufferGroups. */
  group: number;
  offset: bigint;
  length: bigint;
  packing?: string;
}

export interface OperatorCode {
  /** The real builtin code (BuiltinOperator); max(deprecatedBuiltinCode, builtinCode) per the schema. */
  builtinCode: number;
  /** The legacy int8 field; 127 (PLACEHOLDER_FOR_GREATER_OP_CODES) when builtinCode > 127. */
  deprecatedBuiltinCode: number;
  customCode?: string;
  version: number;
}

export interface Subgraph {
  name?: string;
  tensors: Tensor[];
  inputs: number[];
  outputs: number[];
  operators: Operator[];
  /** Index into the debug metadata; present only when not the schema default -1. */
  debugMetadataIndex?: number;
}

export interface Tensor {
  name?: string;
  shape?: number[];
  /** -1 marks a dynamic dimension. */
  shapeSignature?: number[];
  type: TensorType;
  /** Index into Model.buffers; 0 is the empty sentinel buffer (no constant data). */
  buffer: number;
  quantization?: Quantization;
  isVariable: boolean;
  sparsity?: Sparsity;
  hasRank: boolean;
  variantTensors?: VariantSubType[];
  /** ExternalBuffer.id holding this constant's data; present only when not 0 (the schema's "none"). */
  externalBuffer?: number;
}

export interface Quantization {
  min?: number[];
  max?: number[];
  scale?: number[];
  /** int64 in the schema; values fit comfortably in a double for every real model. */
  zeroPoint?: bigint[];
  /** Union QuantizationDetails; when set, the runtime uses it instead of scale/zeroPoint. */
  details?: QuantizationDetails;
  quantizedDimension: number;
}

/** QuantizationDetails union members, tagged with their union type id. */
export type QuantizationDetails = CustomQuantization | BlockwiseQuantization | MultiAxisQuantization;

export interface CustomQuantization {
  type: 1;
  custom?: Uint8Array;
}

export interface BlockwiseQuantization {
  type: 2;
  /** Index of the scales tensor in the same subgraph. */
  scales: number;
  /** Index of the zero-points tensor in the same subgraph; -1 means all zero points are 0. */
  zeroPoints: number;
  blockSize: number;
}

export interface MultiAxisQuantization {
  type: 3;
  /** Index of the scales tensor in the same subgraph. */
  scales: number;
  /** Index of the zero-points tensor in the same subgraph; -1 means all zero points are 0. */
  zeroPoints: number;
  /** 0 for per-channel quantization. */
  blockSize: number;
  quantizedDimensions?: number[];
}

export interface Sparsity {
  traversalOrder?: number[];
  blockMap?: number[];
  dimMetadata?: DimensionMetadata[];
}

export type SparseIndexVector =
  | { type: 'int32'; values: Int32Array }
  | { type: 'uint16'; values: Uint16Array }
  | { type: 'uint8'; values: Uint8Array };

export interface DimensionMetadata {
  /** DimensionType: 0 DENSE, 1 SPARSE_CSR. */
  format: number;
  denseSize: number;
  arraySegments?: SparseIndexVector;
  arrayIndices?: SparseIndexVector;
}

export interface VariantSubType {
  shape?: number[];
  type: TensorType;
  hasRank: boolean;
}

/** Scalar, vector or nested-table value of a builtin-options field. */
export type OptionValue = number | bigint | boolean | string | number[] | bigint[] | boolean[] | string[] | OptionTable | OptionTable[] | undefined;

export interface OptionTable {
  [field: string]: OptionValue;
}

/** A builtin_options (or builtin_options_2) union value: its table name plus decoded fields. */
export interface BuiltinOptions {
  /** The union member name as in the schema, e.g. "Conv2DOptions". */
  type: string;
  fields: OptionTable;
}

export interface Operator {
  opcodeIndex: number;
  /** -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  builtinOptions?: BuiltinOptions;
  builtinOptions2?: BuiltinOptions;
  customOptions?: Uint8Array;
  /** CustomOptionsFormat: 0 FLEXBUFFERS. */
  customOptionsFormat: number;
  mutatingVariableInputs?: boolean[];
  intermediates?: number[];
  /** Index into the debug metadata; present only when not the schema default -1. */
  debugMetadataIndex?: number;
}

export interface Buffer {
  /** Empty for the sentinel buffer and for tensors without constant data. */
  data: Uint8Array;
  /**
   * How the data was stored: inline in the flatbuffer vector, or after the flatbuffer via
   * offset/size (models > 2 GB). The writer keeps the layout unless it must switch.
   */
  external?: boolean;
}

export interface Metadata {
  name?: string;
  buffer: number;
}

export interface TensorMap {
  name?: string;
  tensorIndex: number;
}

export interface SignatureDef {
  inputs: TensorMap[];
  outputs: TensorMap[];
  signatureKey?: string;
  /** Deprecated in the schema but present in old files; kept so they round-trip. */
  deprecatedTag?: string;
  subgraphIndex: number;
}
