/** TFLite TensorType enum values (schema facts), with element sizes for byte accounting. */
export const TensorType = {
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  STRING: 5,
  BOOL: 6,
  INT16: 7,
  COMPLEX64: 8,
  INT8: 9,
  FLOAT64: 10,
  COMPLEX128: 11,
  UINT64: 12,
  RESOURCE: 13,
  VARIANT: 14,
  UINT32: 15,
  UINT16: 16,
  INT4: 17,
  BFLOAT16: 18,
  INT2: 19,
  UINT4: 20,
  FLOAT8_E4M3FN: 21,
  FLOAT8_E5M2: 22,
} as const;

export type TensorType = (typeof TensorType)[keyof typeof TensorType];

const NAMES = new Map<number, string>(Object.entries(TensorType).map(([k, v]) => [v, k]));

export function tensorTypeName(type: number): string {
  return NAMES.get(type) ?? `UNKNOWN(${type})`;
}

export function isTensorType(value: number): value is TensorType {
  return NAMES.has(value);
}

/** Bytes per element; sub-byte types are packed (INT4/UINT4 0.5, INT2 0.25); 0 for types without a fixed size. */
export function elementSize(type: TensorType): number {
  switch (type) {
    case TensorType.BOOL:
    case TensorType.INT8:
    case TensorType.UINT8:
    case TensorType.FLOAT8_E4M3FN:
    case TensorType.FLOAT8_E5M2:
      return 1;
    case TensorType.FLOAT16:
    case TensorType.INT16:
    case TensorType.UINT16:
    case TensorType.BFLOAT16:
      return 2;
    case TensorType.FLOAT32:
    case TensorType.INT32:
    case TensorType.UINT32:
      return 4;
    case TensorType.INT64:
    case TensorType.UINT64:
    case TensorType.FLOAT64:
    case TensorType.COMPLEX64:
      return 8;
    case TensorType.COMPLEX128:
      return 16;
    case TensorType.INT4:
    case TensorType.UINT4:
      return 0.5;
    case TensorType.INT2:
      return 0.25;
    default:
      return 0;
  }
}
