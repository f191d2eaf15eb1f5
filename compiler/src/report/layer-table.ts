/** The per-layer table: what each weighted (or kept-float) op stores and where its bytes went. */
import type { LayerRow } from '../pipeline/report-layers.js';
import { esc } from './escape.js';
import { int, pct } from './format.js';
import { num } from './layout.js';

export function layerTable(rows: LayerRow[], pathPrefix = 'layers'): string {
  const packed = rows.some((r) => r.packedBytes !== undefined);
  const sens = rows.some((r) => r.sensitivity !== undefined);
  const head = ['#', 'op', 'weight', 'shape', 'params', 'type', 'bits', 'codebook', 'sparsity', 'bytes before', 'bytes after', ...(packed ? ['packed'] : []), 'kept float', ...(sens ? ['sensitivity (drop by sparsity)'] : [])];
  const th = head.map((h, i) => `<th${[1, 2, 3, 5, 12, 13].includes(i) || h.startsWith('kept') || h.startsWith('sens') ? ' class="t"' : ''}>${esc(h)}</th>`).join('');
  const body = rows
    .map((r, i) => {
      const p = `${pathPrefix}.${i}`;
      const cells = [
        `<td>${r.opIndex}</td>`,
        `<td class="t">${esc(r.op)}</td>`,
        `<td class="t">${esc(r.weight)}</td>`,
        `<td class="t">${esc(`[${r.shape.join(', ')}]`)}</td>`,
        `<td>${num(`${p}.params`, r.params, int(r.params))}</td>`,
        `<td class="t">${esc(r.dtype)}</td>`,
        `<td>${r.bits}</td>`,
        `<td>${r.weight ? num(`${p}.distinctValues`, r.distinctValues, int(r.distinctValues)) : ''}</td>`,
        `<td>${r.weight ? num(`${p}.sparsity`, r.sparsity, pct(r.sparsity)) : ''}</td>`,
        `<td>${r.bytesBefore !== undefined ? num(`${p}.bytesBefore`, r.bytesBefore, int(r.bytesBefore)) : ''}</td>`,
        `<td>${r.weight ? num(`${p}.bytesAfter`, r.bytesAfter, int(r.bytesAfter)) : ''}</td>`,
        ...(packed ? [`<td>${r.packedBytes !== undefined ? num(`${p}.packedBytes`, r.packedBytes, int(r.packedBytes)) : ''}</td>`] : []),
        `<td class="t">${esc(r.keptFloat ?? '')}</td>`,
        ...(sens ? [`<td class="t">${esc(r.sensitivity ? Object.entries(r.sensitivity).map(([s, d]) => `${s}: ${(d * 100).toFixed(1)}`).join(', ') : '')}</td>`] : []),
      ];
      return `<tr${r.keptFloat ? ' class="kf"' : ''}>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<div class="scroll"><table data-table="layers"><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}
