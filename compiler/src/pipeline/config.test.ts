import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { DEFAULT_OPTIONS, findConfig, loadConfig, mergeOptions, parseInputShapes, parseNormalize, parsePrune, parseTimeBudget, validateOptions } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'mlshrink-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('optimize config', () => {
  it('loads a config file, resolving paths against its directory, and flags win', () => {
    mkdirSync(join(dir, 'app'), { recursive: true });
    const file = join(dir, 'app', 'mlshrink.config.json');
    writeFileSync(file, JSON.stringify({ prune: 0.5, quantize: 'dynamic', calibration: 'calib', eval: '/abs/eval', cluster: 16 }));
    expect(findConfig(join(dir, 'app', 'm.tflite'))).toBe(file);
    expect(findConfig(join(dir, 'm.tflite'))).toBeUndefined();
    const config = loadConfig(file);
    expect(config.calibration).toBe(join(dir, 'app', 'calib'));
    expect(config.eval).toBe('/abs/eval');
    const merged = mergeOptions(config, validateOptions({ quantize: 'int8', prune: undefined }, 'flags'));
    expect(merged.quantize).toBe('int8');
    expect(merged.prune).toBe(0.5);
    expect(merged.cluster).toBe(16);
    expect(merged.maxAccuracyDrop).toBe(DEFAULT_OPTIONS.maxAccuracyDrop);
  });

  it('rejects unknown keys, bad values and bad JSON with the file named', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"prun": 0.5}');
    expect(() => loadConfig(bad)).toThrow(/bad\.json: unknown option "prun"/);
    writeFileSync(bad, '{"prune": 1.5}');
    expect(() => loadConfig(bad)).toThrow(/option "prune" must be/);
    writeFileSync(bad, '{"cluster": 1}');
    expect(() => loadConfig(bad)).toThrow(UserError);
    writeFileSync(bad, '{"pruneLayers": {"dense1/weights": 2}}');
    expect(() => loadConfig(bad)).toThrow(/"pruneLayers" must be an object mapping/);
    writeFileSync(bad, '{"pruneLayers": {"dense1/weights": 0.8}}');
    expect(loadConfig(bad).pruneLayers).toEqual({ 'dense1/weights': 0.8 });
    writeFileSync(bad, '{nope');
    expect(() => loadConfig(bad)).toThrow(/invalid JSON/);
    expect(() => loadConfig(join(dir, 'missing.json'))).toThrow(/not found/);
  });

  it('timeBudget: seconds, or a duration in a config file; anything else names the file and the key', () => {
    const file = join(dir, 'time.json');
    writeFileSync(file, '{"auto": true, "timeBudget": "1h30m"}');
    expect(loadConfig(file).timeBudget).toBe(5400);
    writeFileSync(file, '{"timeBudget": 600}');
    expect(loadConfig(file).timeBudget).toBe(600);
    for (const bad of ['"soon"', '0', '-1', '"0s"', 'true']) {
      writeFileSync(file, `{"timeBudget": ${bad}}`);
      expect(() => loadConfig(file), bad).toThrow(/time\.json: option "timeBudget" must be a positive duration: seconds \(600\) or with units/);
    }
    expect(DEFAULT_OPTIONS.timeBudget).toBeUndefined();
    expect(parseTimeBudget('10m')).toBe(600);
    expect(parseTimeBudget(45)).toBe(45);
    expect(() => parseTimeBudget('10 m')).toThrow(/^--time-budget: expected a positive duration.*got "10 m"$/);
    expect(() => parseTimeBudget(['1m', '2m'])).toThrow(/given more than once/);
  });

  it('parses --prune and --normalize', () => {
    expect(parsePrune('auto')).toBe('auto');
    expect(parsePrune('0.5')).toBe(0.5);
    expect(() => parsePrune('half')).toThrow(UserError);
    expect(parseNormalize('[-1, 1]')).toBe('[-1,1]');
    expect(parseNormalize('{"mean":[127.5],"std":[127.5]}')).toEqual({ mean: [127.5], std: [127.5] });
    expect(() => parseNormalize('[0,255')).toThrow(UserError);
  });

  it('fidelity budget, input shapes and the auto quantize default', () => {
    expect(DEFAULT_OPTIONS.quantize).toBe('auto');
    expect(DEFAULT_OPTIONS.maxFidelityLoss).toBe(0.1);
    expect(validateOptions({ maxFidelityLoss: 0.05, inputShape: { audio: [1, 1280] }, quantize: 'auto' }, 'c.json')).toEqual({
      maxFidelityLoss: 0.05,
      inputShape: { audio: [1, 1280] },
      quantize: 'auto',
    });
    expect(() => validateOptions({ maxFidelityLoss: 2 }, 'c.json')).toThrow(/c\.json: option "maxFidelityLoss" must be a number in \[0, 1\]/);
    expect(() => validateOptions({ inputShape: { audio: [1, -1] } }, 'c.json')).toThrow(/option "inputShape" must be an object mapping input names to shapes/);
    expect(parseInputShapes(['audio=1,1280', 'mask = 1,8'])).toEqual({ audio: [1, 1280], mask: [1, 8] });
    expect(() => parseInputShapes(['audio=1,-1'])).toThrow(/--input-shape: expected name=d1,d2/);
  });
});
