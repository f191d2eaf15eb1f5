/** Per-output fidelity of the compressed model against the original: SQNR bars, cosine beside. */
import type { EvaluationReport } from '../pipeline/report.js';
import { chart, COLORS, rect, text } from './svg.js';

/** SQNR drawn at most this high; bit-identical outputs (null SQNR) fill the bar. */
const SQNR_SCALE_DB = 60;

export function fidelityChart(outputs: EvaluationReport['outputs']): string {
  const left = 90;
  const barW = 400;
  const rowH = 26;
  let body = '';
  outputs.forEach((o, i) => {
    const y = 6 + i * rowH;
    const db = o.sqnrDb;
    const w = db === null ? barW : (Math.max(0, Math.min(SQNR_SCALE_DB, db)) / SQNR_SCALE_DB) * barW;
    body += text(left - 8, y + 15, `output ${i}`, { anchor: 'end' });
    body += rect(left, y + 3, w, rowH - 8, db !== null && db < 10 ? COLORS.bad : COLORS.after, `output ${i}: SQNR ${db === null ? 'identical' : `${db.toFixed(1)} dB`}, cosine ${o.cosine.toFixed(4)}`);
    body += text(left + barW + 8, y + 15, `${db === null ? 'identical' : `${db.toFixed(1)} dB`}   cos ${o.cosine.toFixed(4)}`, { fill: COLORS.muted });
  });
  return chart('fidelity', left + barW + 190, 10 + outputs.length * rowH, 'SQNR and cosine per output', body);
}
