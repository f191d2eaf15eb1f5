/// <reference lib="dom" />
/**
 * The HTML report in a real browser: Debian's chromium (installed by scripts/setup.sh), driven
 * headless through puppeteer-core, opens each generated page from disk with every network request
 * refused, and the test checks: no console errors, every chart drawn, the numbers shown equal the
 * report JSON's. A full-page screenshot is saved in the test's temp folder.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OptimizeReport } from '../compiler/src/pipeline/report.js';
import { fixturePath, REPO_ROOT } from '../compiler/src/testing/fixtures.js';
import { runCliInProcess } from '../compiler/src/testing/run-cli.js';
import { prng } from '../compiler/src/util/prng.js';

const CHROMIUM = process.env.MLSHRINK_CHROMIUM ?? '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'mlshrink-report-browser-'));
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} missing: run scripts/setup.sh (apt package chromium)`);
  // --no-sandbox: CI runs as root, where chromium refuses its sandbox.
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
});
afterAll(async () => {
  await browser?.close();
  // The screenshots stay for a look when KEEP_REPORT_SCREENSHOTS is set.
  if (!process.env.KEEP_REPORT_SCREENSHOTS) rmSync(dir, { recursive: true, force: true });
});

interface PageCheck {
  errors: string[];
  blocked: string[];
  charts: { name: string; shapes: number; labels: number; width: number; height: number }[];
  numbers: { path: string; value: number; text: string }[];
  layerRows: number;
}

/** Loads a page from disk offline, collects what the test asserts, saves a screenshot. */
async function openPage(htmlPath: string, screenshot: string): Promise<PageCheck> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const blocked: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    if (req.url().startsWith('file:')) void req.continue();
    else {
      blocked.push(req.url());
      void req.abort();
    }
  });
  await page.setViewport({ width: 1150, height: 900 });
  await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
  const found = await page.evaluate(() => ({
    charts: Array.from(document.querySelectorAll('svg[data-chart]')).map((s) => {
      const box = s.getBoundingClientRect();
      return { name: s.getAttribute('data-chart') ?? '', shapes: s.querySelectorAll('rect, circle').length, labels: s.querySelectorAll('text').length, width: box.width, height: box.height };
    }),
    numbers: Array.from(document.querySelectorAll('[data-json]')).map((e) => ({ path: e.getAttribute('data-json') ?? '', value: Number(e.getAttribute('data-value')), text: e.textContent ?? '' })),
    layerRows: document.querySelectorAll('table[data-table="layers"] tbody tr').length,
  }));
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return { errors, blocked, ...found };
}

function at(json: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], json);
}

/** The page's numbers are the JSON's: raw value equal, and the shown text carries it. */
function expectNumbersMatch(check: PageCheck, json: unknown): void {
  expect(check.numbers.length).toBeGreaterThan(10);
  for (const n of check.numbers) {
    expect(at(json, n.path), n.path).toBe(n.value);
    expect(n.text, n.path).toMatch(/\d/);
  }
}

function expectCharts(check: PageCheck, names: string[]): void {
  expect(check.charts.map((c) => c.name)).toEqual(names);
  for (const c of check.charts) {
    expect(c.shapes, c.name).toBeGreaterThan(0);
    expect(c.labels, c.name).toBeGreaterThan(0);
    expect(c.width, c.name).toBeGreaterThan(100);
    expect(c.height, c.name).toBeGreaterThan(20);
  }
}

const int = (n: number): string => n.toLocaleString('en-US');

describe('HTML report in headless chromium', () => {
  it("sample model's page: offline, no console errors, six charts, numbers equal the JSON", async () => {
    const out = join(dir, 'sample');
    const sample = join(REPO_ROOT, 'sample-android-app');
    const r = await runCliInProcess([
      'optimize', join(sample, 'src/main/assets/fashion_mnist_cnn.tflite'), '-o', out,
      '--prune', '0.5', '--cluster', '16', '--quantize', 'int8',
      '--calibration', join(sample, 'mlshrink/calibration'), '--eval', join(sample, 'mlshrink/eval'),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'fashion_mnist_cnn.report.json'), 'utf8')) as OptimizeReport;
    const html = join(out, 'fashion_mnist_cnn.report.html');
    const shot = join(dir, 'fashion_mnist_cnn.png');
    const check = await openPage(html, shot);

    expect(check.errors).toEqual([]);
    expect(check.blocked).toEqual([]);
    expectCharts(check, ['waterfall', 'layers', 'accuracy', 'classes', 'confusion', 'fidelity']);
    expectNumbersMatch(check, json);
    // The headline numbers, as the reader sees them.
    const shown = (path: string): string | undefined => check.numbers.find((n) => n.path === path)?.text;
    expect(shown('before.bytes')).toBe(int(json.before.bytes));
    expect(shown('after.packedBytes')).toBe(int(json.after.packedBytes!));
    expect(shown('evaluation.accuracyAfter')).toBe(`${(json.evaluation!.accuracyAfter! * 100).toFixed(2)} %`);
    expect(check.layerRows).toBe(json.layers!.length);
    expect(json.layers!.length).toBe(4); // conv1, conv2, dense1, dense2
    expect(json.evaluation!.classes!.samples).toHaveLength(10);
    expect(json.xz?.original).toBeGreaterThan(json.after.packedBytes!); // xz -9e of the float model ships far more
    for (const s of json.stages!) expect(shown(`stages.${json.stages!.indexOf(s)}.bytes`)).toBe(int(s.bytes));
    expect(statSync(shot).size).toBeGreaterThan(20_000);

    // `mlshrink report` regenerates the same page from the JSON.
    const again = join(dir, 'again.html');
    const rr = await runCliInProcess(['report', join(out, 'fashion_mnist_cnn.report.json'), '-o', again]);
    expect(rr.code).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(html, 'utf8'));

    // `inspect --html` of the packed file: the per-layer page, with each layer's share of the packed bytes.
    const inspectHtml = join(dir, 'inspect.html');
    const ri = await runCliInProcess(['inspect', join(out, 'fashion_mnist_cnn.tflite.mlshrink'), '--html', inspectHtml]);
    expect(ri.code).toBe(0);
    const inspected = await openPage(inspectHtml, join(dir, 'inspect.png'));
    expect(inspected.errors).toEqual([]);
    expectCharts(inspected, ['waterfall', 'layers']);
    expect(inspected.layerRows).toBe(4);
    const packedOf = (rows: PageCheck, i: number): number | undefined => rows.numbers.find((n) => n.path === `layers.${i}.packedBytes`)?.value;
    for (let i = 0; i < 4; i++) expect(packedOf(inspected, i)).toBe(json.layers![i]!.packedBytes);
  });

  it("a MediaPipe model's page (no labels: per-output fidelity; prune auto: the points tried)", async () => {
    const data = join(dir, 'face-data');
    mkdirSync(data);
    const rand = prng(13);
    for (let i = 0; i < 6; i++) {
      const x = Float32Array.from({ length: 128 * 128 * 3 }, () => rand());
      writeFileSync(join(data, `x${i}.f32`), new Uint8Array(x.buffer));
    }
    const out = join(dir, 'face');
    const r = await runCliInProcess([
      'optimize', fixturePath('mediapipe/face_detection_short_range.tflite'), '-o', out,
      '--prune', 'auto', '--quantize', 'int8', '--calibration', data, '--eval', data, '--metric', 'agreement', '--max-accuracy-drop', '0.5',
      // The page is under test here, not the fidelity gate: its budget is relaxed so pruning on 6 noise inputs ships.
      '--max-fidelity-loss', '1',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'face_detection_short_range.report.json'), 'utf8')) as OptimizeReport;
    const check = await openPage(join(out, 'face_detection_short_range.report.html'), join(dir, 'face_detection_short_range.png'));

    expect(check.errors).toEqual([]);
    expect(check.blocked).toEqual([]);
    expectCharts(check, ['waterfall', 'layers', 'fidelity', 'pareto']);
    expectNumbersMatch(check, json);
    expect(json.evaluation!.outputs).toHaveLength(2);
    expect(json.tried!.filter((p) => p.chosen)).toHaveLength(1);
    expect(check.layerRows).toBe(json.layers!.length);
    expect(json.layers!.filter((l) => l.weight !== '').length).toBeGreaterThan(20);
  });
});
