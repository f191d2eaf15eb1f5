/** `mlshrink inspect --html`: the per-layer part of the model page for one (packed or plain) model file. */
import type { LayerRow } from '../pipeline/report-layers.js';
import { layersChart } from './chart-layers.js';
import { sizeSteps, waterfallChart } from './chart-waterfall.js';
import { esc } from './escape.js';
import { int } from './format.js';
import { layerTable } from './layer-table.js';
import { htmlDocument, num } from './layout.js';

export interface InspectPageInput {
  file: string;
  /** Size of the .tflite (decoded, for a packed file). */
  tfliteBytes: number;
  packedBytes?: number;
  xz?: { output?: number; unavailable?: string };
  layers: LayerRow[];
}

export function renderInspectPage(p: InspectPageInput): string {
  const stages = [{ stage: '.tflite', bytes: p.tfliteBytes }, ...(p.packedBytes !== undefined ? [{ stage: 'packed', bytes: p.packedBytes }] : [])];
  const steps = sizeSteps({ before: { bytes: p.tfliteBytes, params: 0, weightSparsity: 0, macs: 0 }, after: { bytes: p.tfliteBytes, params: 0, weightSparsity: 0, macs: 0 }, stages, ...(p.xz ? { xz: p.xz } : {}) });
  const weighted = p.layers.some((l) => l.weight !== '');
  const body = `<h1>${esc(p.file)}</h1>
<p class="sub">mlshrink inspect · ${num('tfliteBytes', p.tfliteBytes, int(p.tfliteBytes))} bytes .tflite${p.packedBytes !== undefined ? `, ${num('packedBytes', p.packedBytes, int(p.packedBytes))} bytes packed` : ''}</p>
<h2>Size</h2>${waterfallChart(steps)}${p.xz?.unavailable ? `<p class="note">No xz comparison: ${esc(p.xz.unavailable)}.</p>` : ''}
<h2>Layers</h2>${weighted ? layersChart(p.layers) : '<p class="note">No weighted layers.</p>'}${layerTable(p.layers)}`;
  return htmlDocument(`mlshrink inspect: ${p.file}`, body);
}
