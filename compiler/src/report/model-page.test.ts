import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { confusionMatrix } from '../eval/confusion.js';
import { classReport, type OptimizeReport } from '../pipeline/report.js';
import { runCliInProcess } from '../testing/run-cli.js';
import { commandLine } from '../cli/command-line.js';
import { esc } from './escape.js';
import { renderModelPage } from './model-page.js';

const dir = mkdtempSync(join(tmpdir(), 'mlshrink-page-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A report as an older mlshrink wrote it: none of the page's extra fields. */
const minimal: OptimizeReport = {
  mlshrinkReport: 1,
  model: 'm.tflite',
  output: 'm.tflite.mlshrink',
  ok: true,
  options: { quantize: 'int8' },
  before: { bytes: 1000, params: 200, weightSparsity: 0, macs: 10 },
  after: { bytes: 400, params: 200, weightSparsity: 0.5, macs: 10, packedBytes: 150 },
  budget: { maxAccuracyDrop: 0.01, metric: 'not-measured', met: true },
  passes: [],
  warnings: [],
};

describe('model page', () => {
  it('escapes every string from the report', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const html = renderModelPage({ ...minimal, model: '<script>alert(1)</script>.tflite', warnings: ['op <X> kept float'] });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;.tflite');
    expect(html).toContain('op &lt;X&gt; kept float');
  });

  it('renders an older report (no layers, stages or xz) with a waterfall from before/after, and no script', () => {
    const html = renderModelPage(minimal);
    expect(html.match(/data-chart="/g)).toEqual(['data-chart="']);
    expect(html).toContain('data-json="after.packedBytes" data-value="150"');
    expect(html).toContain('no per-layer data');
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(renderModelPage(minimal)).toBe(html); // deterministic
  });

  it('shows the decoded weight bytes in RAM beside the packed size when the report has them', () => {
    expect(renderModelPage(minimal)).not.toContain('weights in RAM');
    const html = renderModelPage({ ...minimal, before: { ...minimal.before, runtimeWeightBytes: 800 }, after: { ...minimal.after, runtimeWeightBytes: 100 } });
    expect(html).toContain('weights in RAM');
    expect(html).toContain('data-json="after.runtimeWeightBytes" data-value="100"');
    expect(html).toContain('decoded, was 800 B  −87.5 %');
  });

  it("says which inputs the fidelity gate's verdict used: held out (with the fit part's worst) or the fitted ones", () => {
    const out = (db: number) => ({ output: 'scores', sqnrDb: db, cosine: 0.99, maxAbsError: 0.1 });
    const part = (samples: number, db: number) => ({ inputs: 'calibration' as const, samples, outputs: [out(db)], worst: { output: 'scores', loss: 10 ** (-db / 10) }, met: db >= 10 });
    const heldOut = renderModelPage({
      ...minimal,
      fidelity: { ...part(5, 12), maxFidelityLoss: 0.1, heldOut: true, fit: part(11, 14), met: true },
      mixedPrecision: { met: true, measurements: 9, before: { bytes: 400, outputs: [] }, keptFloat: [], sensitivity: [], rounds: [{ target: 0.05, kept: 3, loss: 0.04, checkLoss: 0.063 }] },
    });
    expect(heldOut).toContain('<h2>Fidelity gate</h2>');
    expect(heldOut).toContain('data-json="fidelity.samples" data-value="5">5</span> held-out calibration inputs, which neither calibrated the model nor steered mixed precision');
    expect(heldOut).toContain('data-json="fidelity.fit.samples" data-value="11"');
    expect(heldOut).toContain('data-table="precision-rounds"');
    expect(heldOut).toContain('<td>3</td><td>14.0 dB</td><td>12.0 dB</td>');
    const fitted = renderModelPage({ ...minimal, fidelity: { ...part(4, 12), maxFidelityLoss: 0.1, heldOut: false, met: true } });
    expect(fitted).toContain('the same that calibrated the model / steered mixed precision (too few to hold any out)');
    expect(renderModelPage(minimal)).not.toContain('Fidelity gate');
  });

  it('plots --auto plans judged by fidelity on a noise/signal axis and lists the chosen setting per layer', () => {
    const auto: OptimizeReport['auto'] = {
      metric: 'fidelity',
      budget: 0.05,
      sensitivityData: { source: 'calibration', samples: 32 },
      verdictData: { source: 'calibration', samples: 32 },
      layers: [{ layer: 'fc/w', elements: 5000, sparsity: 0.75, clusters: 8 }, { layer: 'out/w', elements: 640, sparsity: 0, clusters: 0 }],
      baseSensitivityLoss: 0.001,
      sensitivity: [{ layer: 'fc/w', sparsity: 0.75, clusters: 8, loss: 0.02, bytes: 900, ms: 5 }],
      plans: [
        { moves: 0, loss: 0.001, predictedLoss: 0.001, bytes: 1500, met: true, chosen: false, ms: 5 },
        { moves: 1, loss: 0.03, predictedLoss: 0.02, bytes: 900, met: true, chosen: true, ms: 5 },
      ],
      timingsMs: { sensitivity: 1200, plans: 800, total: 2500 },
      heldOut: {
        source: 'calibration',
        samples: 16,
        maxChecks: 4,
        checks: [
          { candidate: 'plan 2', bytes: 700, loss: 0.04, heldOutLoss: 0.07, met: false },
          { candidate: 'plan 1', bytes: 900, loss: 0.03, heldOutLoss: 0.04, met: true },
        ],
        unchecked: 1,
      },
    };
    const tried = [
      { label: 'quantized only', weightSparsity: 0, bytes: 2000, packedBytes: 1500, fidelityLoss: 0.001, chosen: false },
      { label: '1 move', weightSparsity: 0.6, bytes: 2000, packedBytes: 900, fidelityLoss: 0.03, chosen: true },
    ];
    const html = renderModelPage({ ...minimal, tried, auto });
    expect(html).toContain('data-chart="pareto"');
    expect(html).toContain('Size versus output noise/signal of each setting tried');
    expect(html).toContain('budget 0.050');
    expect(html).toContain('data-table="auto-layers"');
    expect(html).toMatch(/fc\/w<\/td><td>5,000<\/td><td>[^]*?75\.0 %[^]*?>8</);
    expect(html).toContain('total <span');
    expect(html).toContain('data-table="auto-held-out"');
    expect(html).toMatch(/plan 2<\/td>[^]*?0\.0700[^]*?over budget[^]*?plan 1 \(ships\)/);
    expect(html).toContain('on 16 held-out calibration samples');
    const none = renderModelPage({ ...minimal, tried, auto: { ...auto, heldOut: { source: 'none', samples: 0, maxChecks: 0, checks: [], unchecked: 0, note: 'nothing held out: 150 evaluation samples' } } });
    expect(none).toContain('nothing held out: 150 evaluation samples');
    expect(none).not.toContain('data-table="auto-held-out"');
    // --time-budget: not reached, one line; reached, each stage cut (escaped) and what that means.
    expect(html).not.toContain('data-note="time-budget"');
    const relaxed = renderModelPage({ ...minimal, tried, auto: { ...auto, timeBudget: { budgetMs: 600_000, elapsedMs: 2500, reserveMs: 700, cut: false, cuts: [] } } });
    expect(relaxed).toMatch(/Time budget <span[^>]*>10 min<\/span>, <span[^>]*>2\.5 s<\/span> elapsed, 700 ms kept for the final steps[^<]*: not reached, nothing was cut\./);
    const cut = renderModelPage({
      ...minimal,
      tried,
      auto: { ...auto, timeBudget: { budgetMs: 2000, elapsedMs: 2500, reserveMs: 700, cut: true, cuts: [{ stage: 'plans', atMs: 1800, note: 'plan measurement 2 not started: predicted <0.5 s>' }] } },
    });
    expect(cut).toContain('reached, the search was cut short.');
    expect(cut).toContain('<ul class="warn"><li>plans: cut after 1.8 s: plan measurement 2 not started: predicted &lt;0.5 s&gt;</li></ul>');
  });

  it('per-class accuracy and confusion come from the matrices', () => {
    const outs = [[Float32Array.of(0.9, 0.1)], [Float32Array.of(0.2, 0.8)], [Float32Array.of(0.6, 0.4)]];
    const m = confusionMatrix(outs, [0, 1, 1]);
    expect(m).toEqual([[1, 0], [1, 1]]);
    const c = classReport(m, [[1, 0], [0, 2]]);
    expect(c.samples).toEqual([1, 2]);
    expect(c.accuracyBefore).toEqual([1, 0.5]);
    expect(c.accuracyAfter).toEqual([1, 1]);
  });

  it('records the command under long option names, without aliases or skipped options', () => {
    const args = { _: ['optimize'], $0: 'mlshrink', model: 'a.tflite', out: 'o', o: 'o', prune: '0.5', 'max-accuracy-drop': 0.02, maxAccuracyDrop: 0.02, verbose: true };
    expect(commandLine('optimize', ['model'], args, ['out', 'verbose'])).toEqual(['mlshrink', 'optimize', 'a.tflite', '--prune', '0.5', '--max-accuracy-drop', '0.02']);
  });
});

describe('mlshrink report', () => {
  it('writes the page beside the JSON, and refuses what is not a report with exit 2', async () => {
    const json = join(dir, 'm.report.json');
    writeFileSync(json, JSON.stringify(minimal));
    const r = await runCliInProcess(['report', json]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'm.report.html'), 'utf8')).toBe(renderModelPage(minimal));

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    const b = await runCliInProcess(['report', bad]);
    expect(b.code).toBe(2);
    expect(b.stderr).toBe(`mlshrink: ${bad}: not an mlshrink report (no "mlshrinkReport": 1)\n`);
    const over = await runCliInProcess(['report', json, '-o', join(dir, 'x.json')]);
    expect(over.code).toBe(2);
    const nowhere = await runCliInProcess(['report', json, '-o', join(dir, 'no', 'such', 'page.html')]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/page\.html: cannot write the page \(ENOENT\)\n$/);
  });
});
