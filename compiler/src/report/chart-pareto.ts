/** Settings tried (size vs accuracy drop), the budget line and the chosen point. */
import type { TriedPoint } from '../pipeline/report.js';
import { int, pts, size } from './format.js';
import { chart, circle, COLORS, line, text } from './svg.js';

/** The loss a point was judged by: accuracy drop (points) or, for --auto without labels, noise/signal. */
export function triedLoss(p: TriedPoint): number {
  return p.accuracyDrop ?? p.fidelityLoss ?? 0;
}

export function paretoChart(points: TriedPoint[], maxDrop: number): string {
  const fidelity = points.some((p) => p.accuracyDrop === undefined && p.fidelityLoss !== undefined);
  const fmt = fidelity ? (v: number): string => v.toPrecision(2) : pts;
  const left = 60;
  const top = 16;
  const w = 460;
  const h = 200;
  const sizeOf = (p: TriedPoint): number => p.packedBytes ?? p.bytes;
  const xs = points.map(sizeOf);
  const xMin = Math.min(...xs) * 0.95;
  const xMax = Math.max(...xs) * 1.05;
  const yMax = Math.max(maxDrop * 1.3, ...points.map(triedLoss)) || 0.01;
  const yMin = Math.min(0, ...points.map(triedLoss));
  const X = (v: number): number => left + ((v - xMin) / Math.max(1, xMax - xMin)) * w;
  const Y = (v: number): number => top + h - ((v - yMin) / (yMax - yMin)) * h;
  let body = line(left, top + h, left + w, top + h, COLORS.grid) + line(left, top, left, top + h, COLORS.grid);
  body += text(left + w / 2, top + h + 30, `${points.some((p) => p.packedBytes !== undefined) ? 'packed' : 'model'} size`, { anchor: 'middle', size: 11, fill: COLORS.muted });
  body += text(left - 8, top + 4, fmt(yMax), { anchor: 'end', size: 10, fill: COLORS.muted }) + text(left - 8, top + h, fmt(yMin), { anchor: 'end', size: 10, fill: COLORS.muted });
  body += text(left, top + h + 14, size(xMin), { size: 10, fill: COLORS.muted }) + text(left + w, top + h + 14, size(xMax), { anchor: 'end', size: 10, fill: COLORS.muted });
  body += line(left, Y(maxDrop), left + w, Y(maxDrop), COLORS.bad, true) + text(left + w, Y(maxDrop) - 4, `budget ${fmt(maxDrop)}`, { anchor: 'end', size: 10, fill: COLORS.bad });
  for (const p of points) {
    const tip = `${p.label}: ${int(sizeOf(p))} bytes, sparsity ${(p.weightSparsity * 100).toFixed(1)} %, ${fidelity ? 'noise/signal' : 'drop'} ${fmt(triedLoss(p))}${p.chosen ? ' (chosen)' : ''}`;
    body += circle(X(sizeOf(p)), Y(triedLoss(p)), p.chosen ? 7 : 5, p.chosen ? COLORS.good : COLORS.before, tip);
    body += text(X(sizeOf(p)) + 9, Y(triedLoss(p)) + 4, p.label, { size: 10, fill: p.chosen ? COLORS.good : COLORS.muted });
  }
  return chart('pareto', left + w + 90, top + h + 40, fidelity ? 'Size versus output noise/signal of each setting tried' : 'Size versus accuracy drop of each setting tried', body);
}
