/** Size waterfall: the model after each step (original → passes → packed), beside what xz -9e ships. */
import type { OptimizeReport } from '../pipeline/report.js';
import { int, ratio, size } from './format.js';
import { chart, COLORS, legend, rect, text } from './svg.js';

export interface SizeStep {
  stage: string;
  bytes: number;
  kind: 'step' | 'xz';
}

/** The steps the chart draws (also the rows of the size table). */
export function sizeSteps(r: Pick<OptimizeReport, 'before' | 'after' | 'stages' | 'xz'>): SizeStep[] {
  const stages = r.stages ?? [
    { stage: 'original', bytes: r.before.bytes },
    { stage: 'written .tflite', bytes: r.after.bytes },
    ...(r.after.packedBytes !== undefined ? [{ stage: 'packed', bytes: r.after.packedBytes }] : []),
  ];
  const out: SizeStep[] = stages.map((s) => ({ ...s, kind: 'step' }));
  if (r.xz?.original !== undefined) out.push({ stage: 'xz -9e of the original', bytes: r.xz.original, kind: 'xz' });
  if (r.xz?.output !== undefined) out.push({ stage: 'xz -9e of the written .tflite', bytes: r.xz.output, kind: 'xz' });
  return out;
}

export function waterfallChart(steps: SizeStep[]): string {
  const base = steps[0]?.bytes ?? 0;
  const max = Math.max(1, ...steps.map((s) => s.bytes));
  const left = 200;
  const barW = 440;
  const rowH = 26;
  const top = 24;
  const width = left + barW + 170;
  const height = top + steps.length * rowH + 8;
  let body = legend(left, 14, [['size after the step', COLORS.after], ['removed by the step', '#f0c8cb'], ['xz -9e (for comparison)', COLORS.xz]]);
  let prev = base;
  steps.forEach((s, i) => {
    const y = top + i * rowH;
    const w = (s.bytes / max) * barW;
    body += text(left - 8, y + 15, s.stage, { anchor: 'end' });
    if (s.kind === 'step' && i > 0 && prev > s.bytes) body += rect(left + w, y + 3, ((prev - s.bytes) / max) * barW, rowH - 8, '#f0c8cb', `${s.stage}: −${int(prev - s.bytes)} bytes`);
    body += rect(left, y + 3, w, rowH - 8, s.kind === 'xz' ? COLORS.xz : i === 0 ? COLORS.before : COLORS.after, `${s.stage}: ${int(s.bytes)} bytes`);
    body += text(left + barW + 8, y + 15, `${size(s.bytes)}  ${i > 0 ? ratio(base, s.bytes) : ''}`, { fill: COLORS.muted });
    if (s.kind === 'step') prev = s.bytes;
  });
  return chart('waterfall', width, height, 'Model size after each step', body);
}
