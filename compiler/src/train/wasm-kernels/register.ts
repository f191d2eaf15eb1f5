// Registers the gradient kernels tfjs 4.22's wasm backend lacks, plus a faster Conv2DBackpropInput
// (idempotent).
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseConv2dBackpropFilterConfig } from './depthwise-backprop-filter.js';
import { depthwiseConv2dBackpropInputConfig } from './depthwise-backprop-input.js';

export const wasmGradientKernels: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  depthwiseConv2dBackpropFilterConfig,
  depthwiseConv2dBackpropInputConfig,
];

export function registerWasmGradientKernels(): void {
  for (const k of wasmGradientKernels) {
    const existing = tf.getKernel(k.kernelName, 'wasm');
    if (existing?.kernelFunc === k.kernelFunc) continue;
    // Replaces the slow built-in Conv2DBackpropInput; the other three do not exist in 4.22.
    if (existing !== undefined) tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
}
