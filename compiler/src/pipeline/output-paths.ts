import { basename, join } from 'node:path';
import { PACKED_SUFFIX } from '../pack/index.js';
import type { OptimizeOptions } from './config.js';

/** `<outDir>/<name>.tflite[.mlshrink]` and `<outDir>/<name>.report.json` for a model path. */
export function outputPaths(modelPath: string, outDir: string, options: Pick<OptimizeOptions, 'pack'>): { model: string; report: string; html: string } {
  const name = basename(modelPath).replace(/\.tflite$/i, '');
  return {
    model: join(outDir, `${name}.tflite${options.pack === 'huffman' ? PACKED_SUFFIX : ''}`),
    report: join(outDir, `${name}.report.json`),
    html: join(outDir, `${name}.report.html`),
  };
}
