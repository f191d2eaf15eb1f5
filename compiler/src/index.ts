/** Public API of the mlshrink package (the library behind the CLI). */
export type * from './ir/model.js';
export { TensorType, elementSize, tensorTypeName } from './ir/tensor-type.js';
export * from './ir/graph.js';
export { numElements } from './ir/shape.js';
export { readModel } from './tflite/read.js';
export { writeModel } from './tflite/write.js';
export { ModelFormatError } from './tflite/errors.js';
export { BuiltinOperator, builtinOpName } from './tflite/builtin-ops.js';
export { loadLiteRt, LiteRtError, typedArrayFor } from './eval/litert.js';
export type { DType, LiteRtModel, TensorInfo, TypedArray } from './eval/litert.js';
export { prepareForLiteRt, prepareBytesForLiteRt, needsLiteRtPreparation } from './eval/litert-compat.js';
export { summarizeModel } from './inspect/summary.js';
export type { ModelSummary, TensorSummary } from './inspect/summary.js';
export { main } from './cli/main.js';
export { UserError } from './errors.js';
