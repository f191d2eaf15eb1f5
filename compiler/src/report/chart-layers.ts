/** Per-layer bytes: each weighted layer's bytes in the original beside its bytes now (packed share when packed). */
import type { LayerRow } from '../pipeline/report-layers.js';
import { int, size } from './format.js';
import { chart, COLORS, legend, rect, text } from './svg.js';

export function layersChart(rows: LayerRow[]): string {
  const weighted = rows.filter((r) => r.weight !== '');
  const packed = weighted.some((r) => r.packedBytes !== undefined);
  const now = (r: LayerRow): number => r.packedBytes ?? r.bytesAfter;
  const max = Math.max(1, ...weighted.map((r) => Math.max(r.bytesBefore ?? 0, r.bytesAfter)));
  const left = 230;
  const barW = 420;
  const rowH = 16;
  const top = 24;
  const height = top + weighted.length * rowH + 6;
  let body = legend(left, 14, [['original', COLORS.before], [packed ? 'packed (share of the file)' : 'written .tflite', COLORS.after]]);
  weighted.forEach((r, i) => {
    const y = top + i * rowH;
    const label = `${r.opIndex} ${r.op} ${r.weight}`;
    body += text(left - 6, y + 11, label.length > 36 ? `${label.slice(0, 35)}…` : label, { anchor: 'end', size: 10 });
    if (r.bytesBefore !== undefined) body += rect(left, y + 2, (r.bytesBefore / max) * barW, rowH - 4, COLORS.before, `${r.weight}: ${int(r.bytesBefore)} bytes in the original`);
    body += rect(left, y + 5, (now(r) / max) * barW, rowH - 10, COLORS.after, `${r.weight}: ${int(now(r))} bytes ${packed ? 'packed' : 'written'}`);
    body += text(left + barW + 6, y + 11, `${size(now(r))}${r.bytesBefore !== undefined ? ` of ${size(r.bytesBefore)}` : ''}`, { size: 10, fill: COLORS.muted });
  });
  return chart('layers', left + barW + 150, height, 'Bytes per layer', body);
}
