/** Accuracy of the original and the compressed model, with the budget line (lowest accepted accuracy). */
import { pct } from './format.js';
import { chart, COLORS, line, rect, text } from './svg.js';

export function accuracyChart(before: number, after: number, maxDrop: number): string {
  const left = 150;
  const barW = 460;
  const floor = before - maxDrop;
  const x = (v: number): number => left + Math.max(0, Math.min(1, v)) * barW;
  let body = '';
  [['original', before, COLORS.before], ['compressed', after, after >= floor - 1e-12 ? COLORS.after : COLORS.bad]].forEach(([label, v, color], i) => {
    const y = 10 + i * 30;
    body += text(left - 8, y + 16, String(label), { anchor: 'end' });
    body += rect(left, y + 4, x(Number(v)) - left, 20, String(color), `${String(label)}: ${pct(Number(v), 2)}`);
    body += text(x(Number(v)) + 6, y + 18, pct(Number(v), 2), { fill: COLORS.muted });
  });
  body += line(x(floor), 4, x(floor), 74, COLORS.bad, true);
  body += text(x(floor), 88, `budget: ≥ ${pct(floor, 2)}`, { anchor: 'middle', size: 11, fill: COLORS.bad });
  return chart('accuracy', left + barW + 90, 96, 'Accuracy before and after, with the budget', body);
}
