// Registers the gradient kernels tfjs 4.22's wasm backend lacks (idempotent).
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropFilterConfig } from './depthwise-backprop-filter.js';
import { depthwiseConv2dBackpropInputConfig } from './depthwise-backprop-input.js';

export const wasmGradientKernels: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  depthwiseConv2dBackpropFilterConfig,
  depthwiseConv2dBackpropInputConfig,
];

export function registerWasmGradientKernels(): void {
  for (const k of wasmGradientKernels) {
    if (tf.getKernel(k.kernelName, 'wasm') === undefined) tf.registerKernel(k);
  }
}
