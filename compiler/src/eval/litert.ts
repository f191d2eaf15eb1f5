/**
 * The LiteRT oracle: runs a .tflite model with the real LiteRT kernels (LiteRT.js wasm, CPU/XNNPACK)
 * in Node. Whatever this computes is the truth about a model; passes are judged against it.
 */
import {
  ElementType,
  liteRtRuntime,
  type LiteRtRuntime,
  type WasmCompiledModel,
  type WasmModel,
  type WasmRankedTensorType,
  type WasmTensorBuffer,
} from './litert-wasm.js';

export type DType = 'float32' | 'int8' | 'uint8' | 'int32' | 'int16' | 'int64' | 'bool';

export type TypedArray = Float32Array | Int8Array | Uint8Array | Int32Array | Int16Array | BigInt64Array;

export interface TensorInfo {
  /** The signature name of the input/output (the tensor name when the model has no signature). */
  name: string;
  shape: number[];
  dtype: DType;
}

export interface LiteRtModel {
  inputs: TensorInfo[];
  /** Every output of the model's first signature, in signature order. */
  outputs: TensorInfo[];
  /** Runs once; `inputs` in `this.inputs` order, each a typed array of the input's dtype. Outputs are copies. */
  run(inputs: TypedArray[]): Promise<TypedArray[]>;
  /** Frees the wasm-side model; the object is unusable afterwards. */
  dispose(): void;
}

/** LiteRT refused the model or the inputs; `log` holds the runtime's own error lines. */
export class LiteRtError extends Error {
  constructor(
    message: string,
    readonly log: string[] = [],
  ) {
    super(log.length > 0 ? `${message}: ${summarizeLog(log)}` : message);
    this.name = 'LiteRtError';
  }
}

const DTYPES = new Map<number, { dtype: DType; ctor: TypedArrayConstructor }>([
  [ElementType.FLOAT32, { dtype: 'float32', ctor: Float32Array }],
  [ElementType.INT8, { dtype: 'int8', ctor: Int8Array }],
  [ElementType.UINT8, { dtype: 'uint8', ctor: Uint8Array }],
  [ElementType.INT32, { dtype: 'int32', ctor: Int32Array }],
  [ElementType.INT16, { dtype: 'int16', ctor: Int16Array }],
  [ElementType.INT64, { dtype: 'int64', ctor: BigInt64Array }],
  [ElementType.BOOL, { dtype: 'bool', ctor: Uint8Array }],
]);

type TypedArrayConstructor =
  | Float32ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int32ArrayConstructor
  | Int16ArrayConstructor
  | BigInt64ArrayConstructor;

/** The typed-array class that carries tensors of `dtype`. */
export function typedArrayFor(dtype: DType): TypedArrayConstructor {
  for (const v of DTYPES.values()) if (v.dtype === dtype) return v.ctor;
  throw new Error(`unknown dtype ${dtype}`);
}

/** Loads and compiles a model from its bytes (paths and URLs do not work in Node). */
export async function loadLiteRt(modelBytes: Uint8Array): Promise<LiteRtModel> {
  const rt = await liteRtRuntime();
  const { wasm, env } = rt;
  // The model keeps pointing into this heap copy, so it lives until dispose().
  const ptr = wasm._malloc(modelBytes.byteLength);
  wasm.HEAPU8.set(modelBytes, ptr);
  const loaded = await rt.withLog(() => wasm.loadModel(env, ptr, modelBytes.byteLength));
  if (!loaded.value) {
    wasm._free(ptr);
    if (loaded.log.some((l) => /Variable tensors not yet supported/.test(l))) {
      throw new LiteRtError('LiteRT.js cannot run models with variable tensors (e.g. stateful LSTM)', loaded.log);
    }
    throw failure('LiteRT could not load the model', loaded.error, loaded.log);
  }
  const model = loaded.value;
  let inputs: TensorInfo[];
  let outputs: TensorInfo[];
  try {
    if (model.getNumSignatures() < 1) throw new LiteRtError('model has no runnable signature');
    const sig = model.getSignature(0);
    const inputNames = drain(sig.inputNames());
    const outputNames = drain(sig.outputNames());
    sig.delete();
    inputs = inputNames.map((name, i) => describe(name, model.getInputTensorType(0, i)));
    outputs = outputNames.map((name, i) => describe(name, model.getOutputTensorType(0, i)));
  } catch (e) {
    model.delete();
    wasm._free(ptr);
    throw e;
  }
  const compiled = await rt.withLog(() =>
    wasm.compileModel(env, model, { accelerator: 'wasm', cpuOptions: { numThreads: 1 }, gpuOptions: {}, webNNOptions: {} }),
  );
  if (!compiled.value) {
    model.delete();
    wasm._free(ptr);
    throw failure('LiteRT could not compile the model', compiled.error, compiled.log);
  }
  const compiledModel = compiled.value;
  let disposed = false;
  return {
    inputs,
    outputs,
    async run(values: TypedArray[]): Promise<TypedArray[]> {
      if (disposed) throw new Error('LiteRtModel used after dispose()');
      checkInputs(inputs, values);
      const result = await rt.withLog(() => runOnce(rt, model, compiledModel, values));
      if (!result.value) throw failure('LiteRT run failed', result.error, result.log);
      // LiteRT.js 2.5.3 logs an op that fails to prepare (an unresolved custom op, say) and still
      // returns output buffers, of uninitialised memory: a run that logged an error did not happen.
      if (result.log.length > 0) throw new LiteRtError('LiteRT run failed', result.log);
      return result.value;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      compiledModel.delete();
      model.delete();
      wasm._free(ptr);
    },
  };
}

async function runOnce(
  rt: LiteRtRuntime,
  model: WasmModel,
  compiled: WasmCompiledModel,
  values: TypedArray[],
): Promise<TypedArray[]> {
  const { wasm, env } = rt;
  const buffers = values.map((value, i) => {
    const type = model.getInputTensorType(0, i);
    try {
      const buffer = wasm.LiteRtTensorBuffer.createManaged(env, wasm.LiteRtTensorBufferType.HOST_MEMORY, type, type.bytes());
      const at = buffer.lock(wasm.LiteRtTensorBufferLockMode.WRITE);
      try {
        wasm.HEAPU8.set(new Uint8Array(value.buffer, value.byteOffset, value.byteLength), at);
      } finally {
        buffer.unlock();
      }
      return buffer;
    } finally {
      type.delete();
    }
  });
  try {
    const outs: WasmTensorBuffer[] = await compiled.run(0, buffers);
    return outs.map((out) => {
      try {
        const type = out.tensorType();
        const { ctor } = elementInfo(type.elementType().value);
        type.delete();
        const at = out.lock(wasm.LiteRtTensorBufferLockMode.READ);
        try {
          // slice() copies out of the wasm heap, which later calls may grow or reuse.
          const bytes = wasm.HEAPU8.slice(at, at + out.packedSize());
          return new ctor(bytes.buffer, 0, bytes.byteLength / ctor.BYTES_PER_ELEMENT);
        } finally {
          out.unlock();
        }
      } finally {
        out.delete();
      }
    });
  } finally {
    for (const b of buffers) b.delete();
  }
}

function checkInputs(infos: TensorInfo[], values: TypedArray[]): void {
  if (values.length !== infos.length) {
    throw new LiteRtError(`model takes ${infos.length} input(s), got ${values.length}`);
  }
  values.forEach((value, i) => {
    const info = infos[i];
    const ctor = typedArrayFor(info.dtype);
    if (!(value instanceof ctor)) {
      throw new LiteRtError(`input ${i} (${info.name}) is ${info.dtype} and needs a ${ctor.name}, got ${value.constructor.name}`);
    }
    const n = info.shape.reduce((a, b) => a * b, 1);
    if (value.length !== n) {
      throw new LiteRtError(`input ${i} (${info.name}) has shape [${info.shape.join(', ')}] = ${n} elements, got ${value.length}`);
    }
  });
}

function describe(name: string, type: WasmRankedTensorType): TensorInfo {
  try {
    const layout = type.layout();
    const shape = drain(layout.dimensions());
    layout.delete();
    if (shape.some((d) => d < 0)) {
      // LiteRT.js cannot size buffers for dynamic dimensions; prepareForLiteRt() pins them.
      throw new LiteRtError(`tensor ${name} has a dynamic shape [${shape.join(', ')}]; run the model through prepareForLiteRt()`);
    }
    return { name, shape, dtype: elementInfo(type.elementType().value).dtype };
  } finally {
    type.delete();
  }
}

function elementInfo(elementType: number): { dtype: DType; ctor: TypedArrayConstructor } {
  const info = DTYPES.get(elementType);
  if (!info) throw new LiteRtError(`LiteRT element type ${elementType} is not supported by the oracle`);
  return info;
}

function drain<T>(vector: { size(): number; get(i: number): T; delete(): void }): T[] {
  const out: T[] = [];
  for (let i = 0; i < vector.size(); i++) out.push(vector.get(i));
  vector.delete();
  return out;
}

/** Prefer the runtime's log lines: the thrown C++ status usually only names a source location. */
function failure(what: string, error: unknown, log: string[]): Error {
  if (error instanceof LiteRtError) return error;
  if (log.length > 0) return new LiteRtError(what, log);
  const text = error instanceof Error ? error.message : String(error);
  return new LiteRtError(`${what}: ${text.replace(/\s+/g, ' ').trim()}`);
}

/** The distinct runtime error lines, first few only: LiteRT repeats the same complaint per tensor. */
function summarizeLog(log: string[]): string {
  const unique = [...new Set(log.map((l) => l.replace(/^ERROR:\s*/, '')))];
  const shown = unique.slice(0, 3).join('; ');
  return unique.length > 3 ? `${shown}; ... (${unique.length - 3} more)` : shown;
}
