// TensorFlow.js setup for training in Node: the native tfjs-node binding when it is installed (it needs
// a libtensorflow download, so usually it is not), otherwise the pure-JS API on the WebAssembly backend.
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerWasmGradientKernels } from './wasm-kernels/register.js';

export type Tf = typeof tf;
export type TrainBackend = 'tensorflow' | 'wasm' | 'cpu';

let ready: Promise<TrainBackend> | undefined;

/** Directory holding the tfjs-backend-wasm .wasm binaries (Node cannot fetch them over http). */
export function wasmBinaryDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

async function tryTfjsNode(): Promise<boolean> {
  try {
    // A variable specifier keeps TypeScript from requiring the (optional) package's types.
    const name = '@tensorflow/tfjs-node';
    await import(name);
    return await tf.setBackend('tensorflow');
  } catch {
    return false;
  }
}

async function initialise(preferred?: TrainBackend): Promise<TrainBackend> {
  if (preferred === 'cpu') {
    // The @tensorflow/tfjs bundle registers the pure-JS cpu backend itself.
    if (!(await tf.setBackend('cpu'))) throw new Error('tfjs: cpu backend failed to initialise');
    return 'cpu';
  }
  if (preferred !== 'wasm' && (await tryTfjsNode())) return 'tensorflow';
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(wasmBinaryDir());
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: wasm backend failed to initialise');
  // tfjs 4.22's wasm backend lacks some gradient kernels; without these, training falls back to errors.
  registerWasmGradientKernels();
  return 'wasm';
}

/**
 * Initialises tfjs once per process and returns the active backend name. `preferred` forces a backend
 * (tests use 'cpu' as a reference and 'wasm' to exercise our kernels).
 */
export async function initTf(preferred?: TrainBackend): Promise<TrainBackend> {
  if (preferred !== undefined) {
    const name = await initialise(preferred);
    ready = Promise.resolve(name);
    return name;
  }
  ready ??= initialise();
  return ready;
}

export { tf };
