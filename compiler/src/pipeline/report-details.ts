/**
 * The report fields behind the HTML page that the before/after table does not need: compiler
 * version and command, size after each step, the xz -9e comparison and the per-layer rows.
 */
import type { Model } from '../ir/model.js';
import type { OptimizeOptions } from './config.js';
import type { OptimizeReport, PassReport } from './report.js';
import { floatReasonsFromWarnings, layerRows } from './report-layers.js';
import { toolVersion } from './tool-version.js';
import { xzSize } from './xz-size.js';

export interface ReportDetailsInput {
  original: { bytes: Uint8Array; model: Model };
  /** The written .tflite and, when packing, the packed file. */
  outBytes: Uint8Array;
  packed?: Uint8Array;
  passes: PassReport[];
  /** .tflite size after each pass (passes without an entry, like finetune, are left out). */
  passBytes: ReadonlyMap<PassReport, number>;
  options: OptimizeOptions;
  warnings: string[];
  sensitivity?: Record<string, Record<string, number>>;
  command?: string[];
}

type Details = Required<Pick<OptimizeReport, 'tool' | 'stages' | 'xz' | 'layers'>> & Pick<OptimizeReport, 'command'>;

export function reportDetails(d: ReportDetailsInput): Details {
  const stages = [{ stage: 'original', bytes: d.original.bytes.length }];
  for (const p of d.passes) {
    const bytes = d.passBytes.get(p);
    if (bytes !== undefined) stages.push({ stage: p.name, bytes });
  }
  if (d.packed) stages.push({ stage: 'packed', bytes: d.packed.length });
  const xzOriginal = xzSize(d.original.bytes);
  const xzOutput = 'bytes' in xzOriginal ? xzSize(d.outBytes) : xzOriginal;
  const xz: OptimizeReport['xz'] = 'bytes' in xzOriginal && 'bytes' in xzOutput ? { original: xzOriginal.bytes, output: xzOutput.bytes } : { unavailable: 'unavailable' in xzOutput ? xzOutput.unavailable : 'xz failed' };
  const layers = layerRows(d.outBytes, d.original.model, d.packed, {
    quantize: d.options.quantize,
    floatReasons: floatReasonsFromWarnings(d.warnings),
    ...(d.sensitivity ? { sensitivity: d.sensitivity } : {}),
  });
  return { tool: toolVersion(), ...(d.command ? { command: d.command } : {}), stages, xz, layers };
}
