/** Per-class top-1 accuracy, original beside compressed. */
import type { ClassReport } from '../pipeline/report.js';
import { pct } from './format.js';
import { chart, COLORS, legend, line, rect, text } from './svg.js';

export function classesChart(c: ClassReport, names?: string[]): string {
  const n = c.samples.length;
  const groupW = Math.max(22, Math.min(56, 640 / Math.max(1, n)));
  const left = 40;
  const top = 24;
  const h = 150;
  const width = left + n * groupW + 10;
  let body = legend(left, 14, [['original', COLORS.before], ['compressed', COLORS.after]]);
  for (const v of [0, 0.5, 1]) {
    const y = top + h - v * h;
    body += line(left, y, width - 10, y, COLORS.grid) + text(left - 4, y + 4, `${v * 100}%`, { anchor: 'end', size: 10, fill: COLORS.muted });
  }
  for (let i = 0; i < n; i++) {
    const x = left + i * groupW + 3;
    const bw = (groupW - 8) / 2;
    const label = names?.[i] ?? String(i);
    for (const [k, v, color] of [[0, c.accuracyBefore[i], COLORS.before], [1, c.accuracyAfter[i], COLORS.after]] as const) {
      if (v === null || v === undefined) continue;
      body += rect(x + k * bw, top + h - v * h, bw, v * h, color, `class ${label}, ${k === 0 ? 'original' : 'compressed'}: ${pct(v, 1)} of ${c.samples[i]}`);
    }
    body += text(x + bw, top + h + 14, label, { anchor: 'middle', size: 10 });
  }
  return chart('classes', width, top + h + 22, 'Accuracy per class', body);
}
