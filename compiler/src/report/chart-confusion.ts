/**
 * Confusion difference: compressed minus original count for each (label, prediction) cell. Red is
 * worse (fewer right on the diagonal, more mistakes off it), blue better, white unchanged.
 */
import type { ClassReport } from '../pipeline/report.js';
import { chart, COLORS, rect, text } from './svg.js';

export function confusionChart(c: ClassReport, names?: string[]): string {
  const n = c.confusionBefore.length;
  const cell = Math.max(10, Math.min(34, 420 / Math.max(1, n)));
  const left = 60;
  const top = 40;
  const diff = c.confusionAfter.map((row, i) => row.map((v, j) => v - (c.confusionBefore[i]?.[j] ?? 0)));
  const maxAbs = Math.max(1, ...diff.flat().map(Math.abs));
  let body = text(left + (n * cell) / 2, 14, 'predicted class →', { anchor: 'middle', size: 11, fill: COLORS.muted });
  body += text(4, top - 6, 'label ↓', { size: 11, fill: COLORS.muted });
  for (let i = 0; i < n; i++) {
    const label = names?.[i] ?? String(i);
    body += text(left - 6, top + i * cell + cell / 2 + 4, label, { anchor: 'end', size: 10 });
    body += text(left + i * cell + cell / 2, top - 6, label, { anchor: 'middle', size: 10 });
    for (let j = 0; j < n; j++) {
      const d = diff[i]![j]!;
      const worse = i === j ? d < 0 : d > 0;
      const a = Math.abs(d) / maxAbs;
      const fill = d === 0 ? '#ffffff' : worse ? `rgba(207,34,46,${(0.15 + 0.85 * a).toFixed(3)})` : `rgba(31,111,235,${(0.15 + 0.85 * a).toFixed(3)})`;
      const tip = `label ${label} predicted ${names?.[j] ?? j}: ${c.confusionBefore[i]![j]} → ${c.confusionAfter[i]![j]}`;
      body += rect(left + j * cell, top + i * cell, cell - 1, cell - 1, fill, tip, ' stroke="#eaeef2"');
      if (d !== 0 && cell >= 20) body += text(left + j * cell + cell / 2, top + i * cell + cell / 2 + 4, `${d > 0 ? '+' : ''}${d}`, { anchor: 'middle', size: 10 });
    }
  }
  return chart('confusion', left + n * cell + 10, top + n * cell + 10, 'Confusion matrix difference, compressed minus original', body);
}
