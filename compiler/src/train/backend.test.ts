import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initTf, tf, wasmBinaryDir } from './backend.js';

describe('initTf', () => {
  it('falls back to the wasm backend with SIMD when tfjs-node is absent, with the gradient kernels registered', async () => {
    expect(existsSync(path.join(wasmBinaryDir(), 'tfjs-backend-wasm-simd.wasm'))).toBe(true);
    const backend = await initTf();
    expect(['tensorflow', 'wasm']).toContain(backend);
    expect(tf.getBackend()).toBe(backend);
    if (backend === 'wasm') {
      expect(tf.env().getBool('WASM_HAS_SIMD_SUPPORT')).toBe(true);
      for (const k of ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']) {
        expect(tf.getKernel(k, 'wasm')).toBeDefined();
      }
    }
    // A real computation on the chosen backend.
    expect(Array.from(tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync())).toEqual([11]);
  });
});
