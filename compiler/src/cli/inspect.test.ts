import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from './main.js';
import { fixtureModels, fixturePath, readFixture } from '../testing/fixtures.js';
import { readModel } from '../tflite/read.js';
import { builtinOpName } from '../tflite/builtin-ops.js';
import type { ModelSummary } from '../inspect/summary.js';

/** Runs `mlshrink ...` in-process and captures what it prints. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  // yargs prints --help through console.log.
  vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
    stdout += parts.join(' ') + '\n';
  });
  vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => {
    stderr += parts.join(' ') + '\n';
  });
  const code = await main(args);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

afterEach(() => vi.restoreAllMocks());

describe('mlshrink inspect', () => {
  it.each(fixtureModels())('%s --json matches the IR', async (rel) => {
    const { code, stdout, stderr } = await run(['inspect', fixturePath(rel), '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as ModelSummary & { file: string };
    const model = readModel(readFixture(rel));
    // Op histogram recounted straight from the opcode table (custom ops by their custom code).
    const expected: Record<string, number> = {};
    for (const sg of model.subgraphs) {
      for (const op of sg.operators) {
        const code = model.operatorCodes[op.opcodeIndex];
        const name = code.customCode ?? builtinOpName(code.builtinCode);
        expected[name] = (expected[name] ?? 0) + 1;
      }
    }
    expect(summary.opHistogram).toEqual(expected);
    expect(summary.tensors).toHaveLength(model.subgraphs.reduce((n, sg) => n + sg.tensors.length, 0));
    expect(summary.subgraphs).toHaveLength(model.subgraphs.length);
    expect(summary.fileBytes).toBe(readFixture(rel).byteLength);
    const constantBytes = Object.values(summary.weightBytesByDtype).reduce((a, b) => a + b, 0);
    expect(constantBytes).toBeLessThanOrEqual(summary.fileBytes);
  });

  it('hand_landmark_lite: counts checked against an independent flatbuffer walk', async () => {
    const { stdout } = await run(['inspect', fixturePath('mediapipe/hand_landmark_lite.tflite'), '--json']);
    const s = JSON.parse(stdout) as ModelSummary;
    expect(s.opHistogram).toEqual({
      DEQUANTIZE: 102,
      CONV_2D: 31,
      DEPTHWISE_CONV_2D: 16,
      ADD: 10,
      FULLY_CONNECTED: 4,
      LOGISTIC: 2,
      MAX_POOL_2D: 1,
      MEAN: 1,
    });
    expect(Object.keys(s.opHistogram)[0]).toBe('DEQUANTIZE'); // sorted by count
    expect(s.tensors).toHaveLength(271);
    expect(s.subgraphs[0].operators).toBe(167);
    // fp16 weights feeding DEQUANTIZE: about 1.0 M parameters, stored as FLOAT16 (2 bytes each).
    expect(s.weightBytesByDtype.FLOAT16).toBeGreaterThan(1_900_000);
    expect(s.parameterCount).toBeGreaterThan(950_000);
    expect(s.parameterCount).toBeLessThan(1_100_000);
  });

  it('person_detect: int8 tensors carry per-tensor quantization summaries', async () => {
    const { stdout } = await run(['inspect', fixturePath('tflm/person_detect.tflite'), '--json']);
    const s = JSON.parse(stdout) as ModelSummary;
    const input = s.tensors[s.subgraphs[0].inputs[0]];
    expect(input.dtype).toBe('INT8');
    expect(input.shape).toEqual([1, 96, 96, 1]);
    expect(input.quantization).toMatch(/^per-tensor scale=[\d.e-]+ zp=-?\d+$/);
    expect(s.weightBytesByDtype.INT8).toBeGreaterThan(200_000);
  });

  it('prints a human table by default', async () => {
    const { code, stdout } = await run(['inspect', fixturePath('tflm/simple_add_model.tflite')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/simple_add_model\.tflite: TFLite v3/);
    expect(stdout).toMatch(/^ {2}ADD +1$/m);
    expect(stdout).toMatch(/tensors:/);
  });

  it('missing file is a user error with exit code 2', async () => {
    const { code, stderr, stdout } = await run(['inspect', '/nonexistent/x.tflite']);
    expect(code).toBe(2);
    expect(stderr).toBe('mlshrink: /nonexistent/x.tflite: no such file\n');
    expect(stdout).toBe('');
  });

  it.each([[[]], [['inspect']], [['no-such-command']], [['inspect', 'x.tflite', '--bogus']]])('usage error %j exits 2 with one line', async (args) => {
    const { code, stderr, stdout } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^mlshrink: [^\n]+\n$/);
    expect(stdout).toBe('');
  });

  it('--help exits 0 and lists inspect', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/mlshrink inspect <model>/);
  });
});
