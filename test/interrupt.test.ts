/**
 * Ctrl-C and SIGTERM (a cancelled Gradle build) in the middle of `optimize <dir>`: the signal arrives
 * once the first of two models is written, while the second is being optimized. The CLI ends with the
 * shell's codes (130 / 143) and one line; the first model's outputs are complete, the second has none,
 * no temporary file is left and the inputs are untouched. Without the handlers Node dies on the signal
 * itself (no exit code).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unpackModel } from '../compiler/src/pack/index.js';
import { REPO_ROOT } from '../compiler/src/testing/fixtures.js';

const SAMPLE = join(REPO_ROOT, 'sample-android-app/src/main/assets/fashion_mnist_cnn.tflite');
const CALIBRATION = join(REPO_ROOT, 'sample-android-app/mlshrink/calibration');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Starts `optimize <dir>` on two models, sends `signal` 300 ms after the first model's line, resolves on exit. */
function interrupted(signal: 'SIGINT' | 'SIGTERM'): Promise<{ code: number | null; killedBy: string | null; stdout: string; stderr: string; work: string; inputSha: string }> {
  const work = mkdtempSync(join(tmpdir(), 'mlshrink-interrupt-'));
  dirs.push(work);
  mkdirSync(join(work, 'models'));
  for (const name of ['a.tflite', 'b.tflite']) copyFileSync(SAMPLE, join(work, 'models', name));
  const inputSha = sha(SAMPLE);
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'compiler/src/cli/run.ts'), 'optimize', join(work, 'models'), '-o', join(work, 'out'),
    '--prune', '0.5', '--cluster', '16', '--quantize', 'int8', '--calibration', CALIBRATION], { cwd: REPO_ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    if (stdout === '') setTimeout(() => child.kill(signal), 300);
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.on('exit', (code, killedBy) => resolve({ code, killedBy, stdout, stderr, work, inputSha })));
}

describe('optimize interrupted', () => {
  it.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s: exit %i, first model complete, nothing of the second, inputs unchanged', async (signal, expected) => {
    const r = await interrupted(signal);
    expect(r.killedBy).toBeNull();
    expect(r.code).toBe(expected);
    expect(r.stdout).toContain('a.tflite');
    expect(r.stderr.trim().split('\n').at(-1)).toBe(`mlshrink: interrupted (${signal}); every file written so far is complete, no temporary file is left`);
    const out = join(r.work, 'out');
    expect(readdirSync(out).sort()).toEqual(['a.report.html', 'a.report.json', 'a.tflite.mlshrink']);
    expect(() => unpackModel(readFileSync(join(out, 'a.tflite.mlshrink')))).not.toThrow();
    expect(JSON.parse(readFileSync(join(out, 'a.report.json'), 'utf8'))).toHaveProperty('passes');
    for (const name of ['a.tflite', 'b.tflite']) expect(sha(join(r.work, 'models', name))).toBe(r.inputSha);
    expect(readdirSync(join(r.work, 'models')).sort()).toEqual(['a.tflite', 'b.tflite']);
  }, 180_000);
});
