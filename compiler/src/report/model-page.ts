/**
 * The model page: one self-contained HTML file generated from a `<name>.report.json` — size
 * waterfall, per-layer bytes, accuracy / fidelity, the settings tried, and how to reproduce it.
 */
import type { OptimizeReport } from '../pipeline/report.js';
import { accuracyChart } from './chart-accuracy.js';
import { classesChart } from './chart-classes.js';
import { confusionChart } from './chart-confusion.js';
import { fidelityChart } from './chart-fidelity.js';
import { gateSection } from './gate-section.js';
import { layersChart } from './chart-layers.js';
import { paretoChart, triedLoss } from './chart-pareto.js';
import { sizeSteps, waterfallChart } from './chart-waterfall.js';
import { esc } from './escape.js';
import { change, int, pct, pts, ratio } from './format.js';
import { layerTable } from './layer-table.js';
import { htmlDocument, num } from './layout.js';
import { formatDuration } from '../pipeline/time-budget.js';

function card(label: string, value: string, extra = ''): string {
  return `<div class="card"><span class="l">${esc(label)}</span><b>${value}</b>${extra ? `<span class="l">${extra}</span>` : ''}</div>`;
}

function verdict(r: OptimizeReport): string {
  if (r.budget.metric === 'not-measured') return '<span class="badge none">accuracy not measured</span>';
  return r.budget.met ? '<span class="badge ok">budget met</span>' : '<span class="badge fail">budget NOT met</span>';
}

function summary(r: OptimizeReport): string {
  const cards = [card('original', `${num('before.bytes', r.before.bytes, int(r.before.bytes))} B`), card('written .tflite', `${num('after.bytes', r.after.bytes, int(r.after.bytes))} B`, esc(change(r.before.bytes, r.after.bytes)))];
  if (r.after.packedBytes !== undefined) cards.push(card('packed', `${num('after.packedBytes', r.after.packedBytes, int(r.after.packedBytes))} B`, esc(`${change(r.before.bytes, r.after.packedBytes)}  ${ratio(r.before.bytes, r.after.packedBytes)}`)));
  if (r.before.runtimeWeightBytes !== undefined && r.after.runtimeWeightBytes !== undefined) {
    const b = r.before.runtimeWeightBytes;
    const a = r.after.runtimeWeightBytes;
    cards.push(card('weights in RAM', `${num('after.runtimeWeightBytes', a, int(a))} B`, esc(`decoded, was ${int(b)} B  ${change(b, a)}`)));
  }
  cards.push(card('weight sparsity', num('after.weightSparsity', r.after.weightSparsity, pct(r.after.weightSparsity))));
  const ev = r.evaluation;
  if (ev?.accuracyBefore !== undefined && ev.accuracyAfter !== undefined) {
    cards.push(card('accuracy', `${num('evaluation.accuracyBefore', ev.accuracyBefore, pct(ev.accuracyBefore, 2))} → ${num('evaluation.accuracyAfter', ev.accuracyAfter, pct(ev.accuracyAfter, 2))}`, `${int(ev.samples)} samples`));
  }
  if (ev) cards.push(card('top-1 agreement', num('evaluation.top1Agreement', ev.top1Agreement, pct(ev.top1Agreement, 2))));
  if (r.accuracyDrop !== undefined) {
    cards.push(card(r.budget.metric === 'accuracy' ? 'accuracy drop' : 'top-1 disagreement', num('accuracyDrop', r.accuracyDrop, pts(r.accuracyDrop)), `budget ${num('budget.maxAccuracyDrop', r.budget.maxAccuracyDrop, pts(r.budget.maxAccuracyDrop))}`));
  }
  return `<div class="cards">${cards.join('')}</div>`;
}

function sizeSection(r: OptimizeReport): string {
  const steps = sizeSteps(r);
  const base = steps[0]?.bytes ?? r.before.bytes;
  const rows = steps
    .map((s, i) => {
      const path = s.kind === 'xz' ? (s.stage.includes('original') ? 'xz.original' : 'xz.output') : r.stages ? `stages.${i}.bytes` : '';
      const bytes = path ? num(path, s.bytes, int(s.bytes)) : esc(int(s.bytes));
      return `<tr><td class="t">${esc(s.stage)}</td><td>${bytes}</td><td>${esc(i > 0 ? change(base, s.bytes) : '')}</td><td>${esc(i > 0 ? ratio(base, s.bytes) : '')}</td></tr>`;
    })
    .join('');
  const xzNote = r.xz?.unavailable ? `<p class="note">No xz comparison: ${esc(r.xz.unavailable)}.</p>` : !r.xz ? '<p class="note">No xz comparison in this report.</p>' : '<p class="note">xz -9e: XZ Utils at its strongest setting on the whole file, what a generic compressor would have shipped.</p>';
  const pruneNote = steps.some((s) => s.stage.startsWith('prune')) ? '<p class="note">Pruning sets weights to zero but still stores them: its saving shows once the file is packed.</p>' : '';
  return `<h2>Size, step by step</h2>${waterfallChart(steps)}${pruneNote}${xzNote}
<table data-table="sizes"><thead><tr><th class="t">step</th><th>bytes</th><th>change</th><th>ratio</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function layerSection(r: OptimizeReport): string {
  if (!r.layers) return '<h2>Layers</h2><p class="note">This report has no per-layer data (written by an older mlshrink).</p>';
  const kept = r.layers.filter((l) => l.keptFloat).length;
  const chart = r.layers.some((l) => l.weight !== '') ? layersChart(r.layers) : '<p class="note">No weighted layers.</p>';
  return `<h2>Layers</h2><p class="note">${r.layers.filter((l) => l.weight).length} weighted layer(s)${kept ? `, ${kept} op(s) computing in float (highlighted)` : ''}. Bytes are weight + bias; "packed" is each layer's share of the packed file.</p>${chart}${layerTable(r.layers)}`;
}

function accuracySection(r: OptimizeReport): string {
  const ev = r.evaluation;
  if (!ev) return '<h2>Accuracy</h2><p class="note">Not measured: no evaluation data was given (--eval).</p>';
  let out = '<h2>Accuracy</h2>';
  if (ev.accuracyBefore !== undefined && ev.accuracyAfter !== undefined) out += accuracyChart(ev.accuracyBefore, ev.accuracyAfter, r.budget.maxAccuracyDrop);
  if (ev.classes) {
    out += `<h3>Per class</h3>${classesChart(ev.classes)}`;
    const rows = ev.classes.samples
      .map((n, c) => {
        const a = ev.classes!.accuracyBefore[c];
        const b = ev.classes!.accuracyAfter[c];
        const cell = (path: string, v: number | null | undefined): string => (v === null || v === undefined ? '–' : num(path, v, pct(v, 1)));
        return `<tr><td>${c}</td><td>${num(`evaluation.classes.samples.${c}`, n, int(n))}</td><td>${cell(`evaluation.classes.accuracyBefore.${c}`, a)}</td><td>${cell(`evaluation.classes.accuracyAfter.${c}`, b)}</td></tr>`;
      })
      .join('');
    out += `<table data-table="classes"><thead><tr><th>class</th><th>samples</th><th>original</th><th>compressed</th></tr></thead><tbody>${rows}</tbody></table>`;
    out += `<h3>Confusion difference (compressed − original)</h3>${confusionChart(ev.classes)}`;
  }
  out += `<h3>Fidelity per output</h3><p class="note">Compressed against original outputs on ${int(ev.samples)} samples: signal-to-quantization-noise ratio and cosine similarity.</p>${fidelityChart(ev.outputs)}`;
  const rows = ev.outputs
    .map((o, i) => `<tr><td>${i}</td><td>${o.sqnrDb === null ? 'identical' : num(`evaluation.outputs.${i}.sqnrDb`, o.sqnrDb, `${o.sqnrDb.toFixed(1)} dB`)}</td><td>${num(`evaluation.outputs.${i}.cosine`, o.cosine, o.cosine.toFixed(4))}</td><td>${o.maxAbsError.toPrecision(3)}</td></tr>`)
    .join('');
  return `${out}<table data-table="outputs"><thead><tr><th>output</th><th>SQNR</th><th>cosine</th><th>max |error|</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function triedSection(r: OptimizeReport): string {
  if (!r.tried?.length) return '';
  const fidelity = r.auto?.metric === 'fidelity';
  const budget = fidelity ? r.auto!.budget : r.budget.maxAccuracyDrop;
  const lossCell = (p: NonNullable<OptimizeReport['tried']>[number], i: number): string =>
    p.fidelityLoss !== undefined && p.accuracyDrop === undefined ? num(`tried.${i}.fidelityLoss`, p.fidelityLoss, p.fidelityLoss.toPrecision(3)) : num(`tried.${i}.accuracyDrop`, triedLoss(p), pts(triedLoss(p)));
  const rows = r.tried
    .map((p, i) => `<tr><td class="t">${esc(p.label)}${p.chosen ? ' (chosen)' : ''}</td><td>${num(`tried.${i}.weightSparsity`, p.weightSparsity, pct(p.weightSparsity))}</td><td>${num(`tried.${i}.bytes`, p.bytes, int(p.bytes))}</td><td>${p.packedBytes !== undefined ? num(`tried.${i}.packedBytes`, p.packedBytes, int(p.packedBytes)) : ''}</td><td>${lossCell(p, i)}</td></tr>`)
    .join('');
  return `<h2>Settings tried</h2>${paretoChart(r.tried, budget)}<table data-table="tried"><thead><tr><th class="t">setting</th><th>weight sparsity</th><th>bytes</th><th>packed</th><th>${fidelity ? 'noise/signal' : 'drop'}</th></tr></thead><tbody>${rows}</tbody></table>${autoSection(r)}`;
}

/** --auto: the setting chosen per layer, what the search measured and how long it took. */
function autoSection(r: OptimizeReport): string {
  const a = r.auto;
  if (!a) return '';
  const layerRows = a.layers
    .map((l, i) => `<tr><td class="t">${esc(l.layer)}</td><td>${int(l.elements)}</td><td>${num(`auto.layers.${i}.sparsity`, l.sparsity, pct(l.sparsity))}</td><td>${l.clusters > 0 ? num(`auto.layers.${i}.clusters`, l.clusters, String(l.clusters)) : 'none'}</td><td>${a.sensitivity.filter((p) => p.layer === l.layer).length}</td></tr>`)
    .join('');
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  return `<h3>Automatic search (--auto)</h3><p class="note">Budget: ${esc(a.metric)} ≤ ${a.metric === 'fidelity' ? a.budget.toPrecision(3) : pts(a.budget)}. Layer sensitivity: ${a.sensitivity.length} LiteRT measurements, one layer changed at a time, on ${int(a.sensitivityData.samples)} ${esc(a.sensitivityData.source)} samples (${s(a.timingsMs.sensitivity)}); whole-model plans: ${a.plans.length} measurements on ${int(a.verdictData.samples)} ${esc(a.verdictData.source)} samples (${s(a.timingsMs.plans)}); total ${num('auto.timingsMs.total', a.timingsMs.total, s(a.timingsMs.total))}.</p>
${timeBudgetNote(a)}<table data-table="auto-layers"><thead><tr><th class="t">layer</th><th>weights</th><th>sparsity</th><th>clusters</th><th>settings measured</th></tr></thead><tbody>${layerRows}</tbody></table>${trainingSection(a)}${heldOutSection(a)}`;
}

/** --auto --time-budget: the budget, the time taken and, when it cut the run short, which stages and why. */
function timeBudgetNote(a: NonNullable<OptimizeReport['auto']>): string {
  const t = a.timeBudget;
  if (!t) return '';
  const head = `Time budget ${num('auto.timeBudget.budgetMs', t.budgetMs, formatDuration(t.budgetMs))}, ${num('auto.timeBudget.elapsedMs', t.elapsedMs, formatDuration(t.elapsedMs))} elapsed, ${formatDuration(t.reserveMs)} kept for the final steps (held-out checks, final evaluation, packing)`;
  if (!t.cut) return `<p class="note" data-note="time-budget">${head}: not reached, nothing was cut.</p>`;
  const cuts = t.cuts.map((c) => `<li>${esc(c.stage)}: cut after ${formatDuration(c.atMs)}: ${esc(c.note)}</li>`).join('');
  return `<p class="note" data-note="time-budget"><strong>${head}: reached, the search was cut short.</strong> The smallest model measured within the budget by then ships; a longer time budget may find a smaller one.</p><ul class="warn">${cuts}</ul>`;
}

/** --auto: the candidates within the budget on the search data, checked on held-out data (smallest first). */
function heldOutSection(a: NonNullable<OptimizeReport['auto']>): string {
  const h = a.heldOut;
  if (!h) return '';
  if (h.samples === 0) return `<h3>Held-out verdict</h3><p class="note">${esc(h.note ?? 'nothing held out')}</p>`;
  const loss = (x: number): string => (a.metric === 'fidelity' ? x.toPrecision(3) : pts(x));
  const shipped = h.checks.find((c) => c.met);
  const rows = h.checks
    .map((c, i) => `<tr><td class="t">${esc(c.candidate)}${c === shipped ? ' (ships)' : ''}</td><td>${num(`auto.heldOut.checks.${i}.bytes`, c.bytes, int(c.bytes))}</td><td>${num(`auto.heldOut.checks.${i}.loss`, c.loss, loss(c.loss))}</td><td>${num(`auto.heldOut.checks.${i}.heldOutLoss`, c.heldOutLoss, loss(c.heldOutLoss))}${c.met ? '' : ' (over budget)'}</td></tr>`)
    .join('');
  return `<h3>Held-out verdict</h3><p class="note">The plans and rounds above were judged on ${int(a.verdictData.samples)} ${esc(a.verdictData.source)} samples; picking the smallest of many within the budget favours lucky measurements, so the candidates within the budget were checked, smallest first, on ${int(h.samples)} held-out ${esc(h.source)} samples the search never saw (at most ${h.maxChecks} checks; ${h.unchecked} within the budget left unchecked). ${shipped ? `${esc(shipped.candidate)} met the budget there and ships.` : 'None of them met the budget there: no model written.'}</p>
<table data-table="auto-held-out"><thead><tr><th class="t">candidate</th><th>bytes</th><th>loss (search data)</th><th>loss (held out)</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** --auto --finetune: each prune → retrain round, what it trained and measured. */
function trainingSection(a: NonNullable<OptimizeReport['auto']>): string {
  const t = a.training;
  if (!t) return '';
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const loss = (x: number): string => (a.metric === 'fidelity' ? x.toPrecision(3) : pts(x));
  const rows = t.rounds
    .map((r, i) => {
      const settings = Object.entries(r.layers).map(([n, l]) => `${n}: ${pct(l.sparsity)}${l.clusters > 0 ? `, ${l.clusters} clusters` : ''}`).join('; ');
      return `<tr><td class="t">${r.round} ${esc(r.kind)}${r.chosen ? ' (chosen)' : ''}</td><td>${r.epochs}</td><td class="t">${esc(settings)}</td><td>${num(`auto.training.rounds.${i}.bytes`, r.bytes, int(r.bytes))}</td><td>${num(`auto.training.rounds.${i}.loss`, r.loss, loss(r.loss))}${r.met ? '' : ' (over budget)'}</td><td>${s(r.trainMs)}</td><td>${s(r.measureMs)}</td></tr>`;
    })
    .join('');
  return `<h3>Training (--auto --finetune ${t.epochBudget})</h3><p class="note">Iterative prune → retrain from the searched plan: ${t.epochsTrained} epoch(s) trained on ${int(t.samples)} samples (${t.labeled ? 'labels and distillation from the original' : 'distillation from the original'}${t.qat ? ', int8 QAT' : ''}) in ${s(t.ms)}; every round measured in LiteRT on the search data.</p>
<table data-table="auto-training"><thead><tr><th class="t">round</th><th>epochs</th><th class="t">sparsity / clusters</th><th>bytes</th><th>loss</th><th>training</th><th>measuring</th></tr></thead><tbody>${rows}</tbody></table>`;
}

const shellWord = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

function reproduceSection(r: OptimizeReport): string {
  const tool = r.tool ? `${r.tool.name} ${r.tool.version}` : 'unknown version';
  // The output directory is left out of the recorded command so reports do not depend on where they were written.
  const command = r.command
    ? `<pre data-field="command">${esc(r.command.map(shellWord).join(' '))} -o OUT_DIR</pre>`
    : '<p class="note">No command recorded (the Gradle plugin\'s assets step, or an older mlshrink): the settings below are the complete configuration.</p>';
  const warnings = r.warnings.length ? `<h3>Warnings</h3><ul class="warn">${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '';
  const passes = r.passes.map((p) => `${p.name}: ${JSON.stringify(p.stats)}`).join('\n');
  return `<h2>Reproduce</h2><p>Written by <b data-field="tool">${esc(tool)}</b> with:</p>${command}
<h3>Settings (defaults, config file and flags merged)</h3><pre data-field="options">${esc(JSON.stringify(r.options, null, 2))}</pre>
<h3>Passes</h3><pre>${esc(passes || '(none)')}</pre>${warnings}`;
}

export function renderModelPage(r: OptimizeReport): string {
  const title = `${r.model}${r.output ? ` → ${r.output}` : ''}`;
  const body = `<h1>${esc(title)} ${verdict(r)}</h1>
<p class="sub">mlshrink report · generated from ${esc(r.model.replace(/\.tflite$/i, ''))}.report.json</p>
${summary(r)}
${sizeSection(r)}
${layerSection(r)}
${accuracySection(r)}
${gateSection(r)}
${triedSection(r)}
${reproduceSection(r)}`;
  return htmlDocument(`mlshrink: ${title}`, body);
}
