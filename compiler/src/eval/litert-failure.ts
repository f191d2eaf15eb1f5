/**
 * LiteRT failing on the user's model is the user's problem to fix, not a bug in mlshrink: LiteRT
 * refusing it (LiteRtError) or its wasm kernels trapping on inconsistent model data (a
 * WebAssembly.RuntimeError such as "memory access out of bounds", which can surface outside
 * LiteRT's own error handling, e.g. while reading outputs or freeing the model).
 */
import { UserError } from '../errors.js';
import { LiteRtError } from './litert.js';

/** WebAssembly's trap class (the compiler's lib has no WebAssembly typings). */
const WasmRuntimeError = (globalThis as unknown as { WebAssembly: { RuntimeError: new () => Error } }).WebAssembly.RuntimeError;

/** The one-line user error for a LiteRT failure on `file`, or undefined when `e` is something else. */
export function liteRtFailure(file: string, e: unknown, step?: string): UserError | undefined {
  if (e instanceof LiteRtError || e instanceof WasmRuntimeError) {
    return new UserError(`LiteRT could not run ${file}: ${step ? `${step}: ` : ''}${e.message.replace(/\s+/g, ' ').trim()}`);
  }
  return undefined;
}
