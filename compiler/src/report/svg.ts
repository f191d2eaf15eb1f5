/**
 * The few SVG primitives the charts need. Charts are plain SVG strings generated here: no script
 * runs in the page, nothing is fetched, and the markup is a few KB per chart.
 */
import { esc } from './escape.js';

export const COLORS = { before: '#9aa5b1', after: '#1f6feb', xz: '#bf8700', good: '#1a7f37', bad: '#cf222e', grid: '#d0d7de', text: '#24292f', muted: '#57606a' };

/** A chart root; `name` is what data-chart says (the browser test counts them). */
export function chart(name: string, width: number, height: number, label: string, body: string): string {
  return `<svg class="chart" data-chart="${esc(name)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(label)}">${body}</svg>`;
}

const n = (v: number): string => (Math.round(v * 10) / 10).toString();

export function rect(x: number, y: number, w: number, h: number, fill: string, tip?: string, extra = ''): string {
  const title = tip ? `<title>${esc(tip)}</title>` : '';
  return `<rect x="${n(x)}" y="${n(y)}" width="${n(Math.max(0, w))}" height="${n(Math.max(0, h))}" fill="${fill}"${extra}>${title}</rect>`;
}

export function text(x: number, y: number, s: string, opts: { anchor?: 'start' | 'middle' | 'end'; size?: number; fill?: string; weight?: string } = {}): string {
  const a = opts.anchor && opts.anchor !== 'start' ? ` text-anchor="${opts.anchor}"` : '';
  const w = opts.weight ? ` font-weight="${opts.weight}"` : '';
  return `<text x="${n(x)}" y="${n(y)}" font-size="${opts.size ?? 12}" fill="${opts.fill ?? COLORS.text}"${a}${w}>${esc(s)}</text>`;
}

export function line(x1: number, y1: number, x2: number, y2: number, stroke: string, dash = false): string {
  return `<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" stroke="${stroke}"${dash ? ' stroke-dasharray="4 3"' : ''}/>`;
}

export function circle(cx: number, cy: number, r: number, fill: string, tip?: string): string {
  return `<circle cx="${n(cx)}" cy="${n(cy)}" r="${r}" fill="${fill}">${tip ? `<title>${esc(tip)}</title>` : ''}</circle>`;
}

/** A legend row of colored swatches. */
export function legend(x: number, y: number, items: [string, string][]): string {
  let out = '';
  let cx = x;
  for (const [label, color] of items) {
    out += rect(cx, y - 9, 10, 10, color) + text(cx + 14, y, label, { size: 11, fill: COLORS.muted });
    cx += 24 + label.length * 6.5;
  }
  return out;
}
