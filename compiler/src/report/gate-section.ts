/**
 * The fidelity gate on the model page: which inputs its verdict used (held out or not, how many),
 * the per-output numbers on them, and what mixed precision aimed at on the inputs it searched.
 */
import type { OptimizeReport } from '../pipeline/report.js';
import { esc } from './escape.js';
import { int } from './format.js';
import { num } from './layout.js';

const db = (loss: number): string => (loss === 0 ? '∞' : `${(-10 * Math.log10(loss)).toFixed(1)} dB`);

export function gateSection(r: OptimizeReport): string {
  const f = r.fidelity;
  if (!f) return '';
  const budget = f.maxFidelityLoss >= 1 ? 'not enforced (budget ≥ 1)' : `noise/signal ≤ ${f.maxFidelityLoss} (SQNR ≥ ${db(f.maxFidelityLoss)}): ${f.met ? 'met' : 'NOT met'}`;
  // Reports of an older mlshrink have no `heldOut`: their gate judged on the inputs it fitted to.
  const inputs = f.heldOut
    ? `${num('fidelity.samples', f.samples, int(f.samples))} held-out ${esc(f.inputs)} inputs, which neither calibrated the model nor steered mixed precision${f.fit ? `; on the ${num('fidelity.fit.samples', f.fit.samples, int(f.fit.samples))} ${esc(f.fit.inputs)} inputs it was fitted to, the worst output "${esc(f.fit.worst.output)}" gives ${num('fidelity.fit.worst.loss', f.fit.worst.loss, db(f.fit.worst.loss))}` : ''}. Both must meet the budget.`
    : `${num('fidelity.samples', f.samples, int(f.samples))} ${esc(f.inputs)} inputs, the same that calibrated the model / steered mixed precision (too few to hold any out): an optimistic check.`;
  const rows = f.outputs
    .map((o, i) => `<tr><td class="t">${esc(o.output)}</td><td>${o.sqnrDb === null ? 'identical' : num(`fidelity.outputs.${i}.sqnrDb`, o.sqnrDb, `${o.sqnrDb.toFixed(1)} dB`)}</td><td>${num(`fidelity.outputs.${i}.cosine`, o.cosine, o.cosine.toFixed(4))}</td><td>${o.maxAbsError.toPrecision(3)}</td></tr>`)
    .join('');
  const rounds = r.mixedPrecision?.rounds ?? [];
  const roundRows = rounds
    .map((x, i) => `<tr><td>${num(`mixedPrecision.rounds.${i}.target`, x.target, db(x.target))}</td><td>${x.kept < 0 ? 'none sufficed' : int(x.kept)}</td><td>${db(x.loss)}</td><td>${x.checkLoss === undefined ? '–' : db(x.checkLoss)}</td></tr>`)
    .join('');
  const search = rounds.length
    ? `<h3>Mixed-precision targets</h3><p class="note">The search aims above the budget on the inputs it measures, since the smallest set that just meets it there may miss it on others; a set is accepted only if the held-out inputs meet the budget too.</p><table data-table="precision-rounds"><thead><tr><th>target (searched inputs)</th><th>layers kept float</th><th>searched inputs</th><th>held out</th></tr></thead><tbody>${roundRows}</tbody></table>`
    : '';
  const restored = r.restoredLayers;
  const restoredRows = (restored?.decisions ?? [])
    .map((d, i) => `<tr><td class="t">${esc(d.layer)}</td><td class="t">${esc(d.op)}</td><td>${num(`restoredLayers.decisions.${i}.lossWhenAloneFloat`, d.lossWhenAloneFloat, db(d.lossWhenAloneFloat))}</td></tr>`)
    .join('');
  const restoredPart = restored
    ? `<h3>Layers restored (unpruned, unclustered)</h3><p class="note">Keeping layers float could not meet the budget, so the pruning or clustering asked for was undone where it did the most damage: ${
        restored.met ? `${int(restored.decisions.length)} of ${int(restored.candidates)} layers got their original weights back (still quantized)` : `not even all ${int(restored.candidates)} layers restored met it`
      }; ${int(restored.measurements)} LiteRT measurements.</p>${restoredRows ? `<table data-table="restored-layers"><thead><tr><th class="t">layer</th><th class="t">op</th><th>SQNR with it alone restored (searched inputs)</th></tr></thead><tbody>${restoredRows}</tbody></table>` : ''}`
    : '';
  const refused = f.refused ?? f.fit?.refused;
  const refusal = refused ? `<p class="note">LiteRT could not run the compressed model, so it is not shipped: ${esc(refused)}</p>` : '';
  return `<h2>Fidelity gate</h2><p class="note">Budget: ${esc(budget)}. Verdict on ${inputs}</p>${refusal}
<table data-table="gate-outputs"><thead><tr><th class="t">output</th><th>SQNR</th><th>cosine</th><th>max |error|</th></tr></thead><tbody>${rows}</tbody></table>${search}${restoredPart}`;
}
