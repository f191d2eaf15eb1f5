import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../testing/fixtures.js';
import { runCliInProcess } from '../testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mlshrink-inspect-page-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mlshrink inspect --html', () => {
  it('writes the per-layer page of a plain .tflite (every weighted op a row) and still prints the summary', async () => {
    const page = join(dir, 'person.html');
    const r = await runCliInProcess(['inspect', fixturePath('tflm/person_detect.tflite'), '--html', page]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('person_detect.tflite');
    const html = readFileSync(page, 'utf8');
    expect(html.match(/data-chart="(\w+)"/g)).toEqual(['data-chart="waterfall"', 'data-chart="layers"']);
    // One row per weighted op, as counted by inspect's own op histogram.
    const rows = html.split('data-table="layers"')[1]!.split('</tbody>')[0]!.match(/<tr/g)!.length - 1; // minus the header row
    const weighted = ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'].map((op) => Number(new RegExp(`${op}\\s+(\\d+)`).exec(r.stdout)?.[1] ?? 0)).reduce((a, b) => a + b, 0);
    expect(weighted).toBeGreaterThan(10);
    expect(rows).toBe(weighted);
  });

  it('refuses a page path that names a model or report (exit 2)', async () => {
    const r = await runCliInProcess(['inspect', fixturePath('tflm/person_detect.tflite'), '--html', join(dir, 'x.tflite')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--html names the page to write');
  });
});
