/**
 * Loads the LiteRT.js wasm runtime (@litertjs/core 2.5.3, `compat` build) into Node once per process.
 *
 * We drive the emscripten bindings directly instead of the package's public `Tensor`/`CompiledModel`
 * API because that API only carries float32/int32/uint8 tensors, while int8 models need int8 I/O.
 * The bindings are internal to the package, so its version is pinned exactly in package.json.
 *
 * The compat build (no relaxed SIMD) is pinned: it runs on stock Node 20, and relaxed-SIMD builds give
 * slightly different float results, which would make "bit-identical" comparisons build-dependent.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);

/** LiteRT ElementType enum values (litert_model_types.h), as the bindings report them. */
export const ElementType = {
  FLOAT32: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  BOOL: 6,
  INT16: 7,
  INT8: 9,
} as const;

interface Deletable {
  delete(): void;
}
interface EnumValue {
  value: number;
}
export interface WasmVector<T> extends Deletable {
  size(): number;
  get(i: number): T;
}
export interface WasmLayout extends Deletable {
  rank(): number;
  dimensions(): WasmVector<number>;
}
export interface WasmRankedTensorType extends Deletable {
  elementType(): EnumValue;
  layout(): WasmLayout;
  bytes(): number;
}
export interface WasmSignature extends Deletable {
  key(): string;
  inputNames(): WasmVector<string>;
  outputNames(): WasmVector<string>;
}
export interface WasmModel extends Deletable {
  getNumSignatures(): number;
  getSignature(i: number): WasmSignature;
  getInputTensorType(sig: number, i: number): WasmRankedTensorType;
  getOutputTensorType(sig: number, i: number): WasmRankedTensorType;
}
export interface WasmTensorBuffer extends Deletable {
  lock(mode: EnumValue): number;
  unlock(): void;
  tensorType(): WasmRankedTensorType;
  packedSize(): number;
}
export interface WasmCompiledModel extends Deletable {
  run(sig: number, inputs: WasmTensorBuffer[]): WasmTensorBuffer[] | Promise<WasmTensorBuffer[]>;
}
export type WasmEnvironment = Deletable;

/** The subset of the LiteRT.js emscripten module this project uses. */
export interface LiteRtWasm {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  LiteRtEnvironment: { create(webGpuDevice: null): WasmEnvironment };
  loadModel(env: WasmEnvironment, ptr: number, size: number): WasmModel;
  compileModel(env: WasmEnvironment, model: WasmModel, options: object): WasmCompiledModel | Promise<WasmCompiledModel>;
  LiteRtTensorBuffer: {
    createManaged(env: WasmEnvironment, bufferType: EnumValue, type: WasmRankedTensorType, size: number): WasmTensorBuffer;
  };
  LiteRtTensorBufferType: { HOST_MEMORY: EnumValue };
  LiteRtTensorBufferLockMode: { READ: EnumValue; WRITE: EnumValue };
}

export interface LiteRtRuntime {
  wasm: LiteRtWasm;
  env: WasmEnvironment;
  /**
   * Runs `fn` while collecting the runtime's ERROR log lines, so a failure can say WHY (the thrown
   * C++ status only names a source line). Calls are serialized: the wasm instance is single-threaded.
   */
  withLog<T>(fn: () => T | Promise<T>): Promise<{ value?: T; error?: unknown; log: string[] }>;
}

let runtime: Promise<LiteRtRuntime> | undefined;

/** The process-wide LiteRT runtime, initialised on first use. */
export function liteRtRuntime(): Promise<LiteRtRuntime> {
  runtime ??= initRuntime();
  return runtime;
}

async function initRuntime(): Promise<LiteRtRuntime> {
  const gluePath = require.resolve('@litertjs/core/wasm/litert_wasm_compat_internal.js');
  const factory = evaluateCommonJs(gluePath) as (moduleArg: object) => Promise<LiteRtWasm>;
  let log: string[] | undefined;
  const capture = (line: string): void => {
    // INFO/WARNING chatter (accelerator registration) is noise; keep only errors, and only while asked.
    if (log && /\bERROR\b/.test(line)) log.push(line.trim());
  };
  const wasm = await factory({
    wasmBinary: readFileSync(gluePath.replace(/\.js$/, '.wasm')),
    print: capture,
    printErr: capture,
  });
  const env = wasm.LiteRtEnvironment.create(null);
  let queue: Promise<unknown> = Promise.resolve();
  const withLog = <T>(fn: () => T | Promise<T>): Promise<{ value?: T; error?: unknown; log: string[] }> => {
    const task = queue.then(async () => {
      log = [];
      try {
        return { value: await fn(), log };
      } catch (error) {
        return { error, log };
      } finally {
        log = undefined;
      }
    });
    queue = task;
    return task;
  };
  return { wasm, env, withLog };
}

/**
 * The glue is a CommonJS/UMD script inside a `"type":"module"` package, so `require` would treat it
 * as ESM. Evaluate it with the CommonJS wrapper arguments instead.
 */
function evaluateCommonJs(path: string): unknown {
  const source = readFileSync(path, 'utf8');
  const module = { exports: {} as unknown };
  const wrapper = new Function('module', 'exports', 'require', '__filename', '__dirname', source);
  wrapper(module, module.exports, createRequire(path), path, dirname(path));
  return module.exports;
}
