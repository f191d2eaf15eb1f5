/**
 * Honest error classes in `mlshrink optimize`: the user's mistakes (a broken input graph, a model
 * LiteRT refuses, a UserError from a pass) are one line and exit 2; an unexpected exception inside
 * a pass is a bug and surfaces as an internal error with its stack (exit 1), never as exit 2.
 * The clustering pass is wrapped so each case can make it throw.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { main } from '../cli/main.js';
import { UserError } from '../errors.js';
import { LiteRtError } from '../eval/litert.js';
import type { PassContext } from '../passes/pass.js';
import type { Model } from '../ir/model.js';
import { fixturePath, readFixture } from '../testing/fixtures.js';
import { readModel } from '../tflite/read.js';
import { writeModel } from '../tflite/write.js';

const inject = vi.hoisted(() => ({ error: undefined as Error | undefined }));

vi.mock('../passes/cluster-weights.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../passes/cluster-weights.js')>();
  return {
    ...real,
    clusterWeights: {
      name: real.clusterWeights.name,
      run(model: Model, options: Parameters<typeof real.clusterWeights.run>[1], ctx: PassContext) {
        if (inject.error) throw inject.error;
        return real.clusterWeights.run(model, options, ctx);
      },
    },
  };
});

const dir = mkdtempSync(join(tmpdir(), 'mlshrink-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let stderr: string;
let spy: MockInstance;
beforeEach(() => {
  stderr = '';
  inject.error = undefined;
  spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => vi.restoreAllMocks());

const optimize = (model: string): Promise<number> =>
  main(['optimize', model, '-o', join(dir, 'out'), '--quantize', 'none', '--cluster', '16', '--pack', 'none']);
const helloWorld = fixturePath('tflm/hello_world_float.tflite');

describe('optimize error classes', () => {
  it('runs cleanly when nothing is injected', async () => {
    expect(await optimize(helloWorld)).toBe(0);
    expect(spy).not.toHaveBeenCalledWith(expect.stringContaining('mlshrink:'));
  });

  it('an unexpected exception in a pass is an internal error: exit 1 with the stack', async () => {
    inject.error = new TypeError('cannot read properties of undefined');
    expect(await optimize(helloWorld)).toBe(1);
    expect(stderr).toMatch(/^mlshrink: internal error: TypeError: cannot read properties of undefined\n\s+at /);
  });

  it('a UserError from a pass stays one line, exit 2', async () => {
    inject.error = new UserError('calib: bad sample');
    expect(await optimize(helloWorld)).toBe(2);
    expect(stderr).toBe('mlshrink: calib: bad sample\n');
  });

  it('LiteRT refusing the model during a pass is the user\'s: exit 2, one line', async () => {
    inject.error = new LiteRtError('Variable tensors not yet supported');
    expect(await optimize(helloWorld)).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^mlshrink: LiteRT could not run .*hello_world_float\.tflite: cluster.*: Variable tensors not yet supported/);
  });

  it('an input whose graph is broken is refused before any pass: exit 2, one line', async () => {
    const model = readModel(readFixture('tflm/hello_world_float.tflite'));
    const sg = model.subgraphs[0]!;
    // Swap the first two ops: the second reads a tensor nobody has written yet.
    const broken: Model = { ...model, subgraphs: [{ ...sg, operators: [sg.operators[1]!, sg.operators[0]!, ...sg.operators.slice(2)] }] };
    const path = join(dir, 'broken.tflite');
    writeFileSync(path, writeModel(broken));
    inject.error = new TypeError('the pass must not run');
    expect(await optimize(path)).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/broken\.tflite: not a valid \.tflite model: \[order\] subgraph 0 op 0 .* before any op writes it/);
  });
});
