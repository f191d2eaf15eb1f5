import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticConvChain } from '../testing/synthetic-convnet.js';
import { classCount, loadCheckedData } from './data-checks.js';

const dir = mkdtempSync(join(tmpdir(), 'mlshrink-data-checks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const model = syntheticConvChain(); // [1,28,28,1] → 10 classes
const shape = [1, 28, 28, 1];
const sample = (path: string): void => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, new Uint8Array(28 * 28 * 4));
};
const req = { inputShape: shape, normalize: '[0,1]' as const };

describe('data checks', () => {
  it('reads the class count from the first output', () => {
    expect(classCount(model)).toBe(10);
  });

  it('labeled folders pass; agreement drops the labels on request', () => {
    sample(join(dir, 'ok/0_a/x.f32'));
    sample(join(dir, 'ok/9_b/y.f32'));
    expect(loadCheckedData(join(dir, 'ok'), model, { ...req, role: 'evaluation', metric: 'accuracy' }).labels).toEqual([0, 9]);
    expect(loadCheckedData(join(dir, 'ok'), model, { ...req, role: 'evaluation', metric: 'agreement' }).labels).toBeUndefined();
  });

  it('names the role of missing or empty data', () => {
    expect(() => loadCheckedData(join(dir, 'none'), model, { ...req, role: 'calibration' })).toThrow(/none: calibration data not found/);
    writeFileSync(join(dir, 'empty.csv'), '');
    expect(() => loadCheckedData(join(dir, 'empty.csv'), model, { ...req, role: 'training' })).toThrow(/empty\.csv: no usable training samples/);
  });

  it('unlabeled evaluation data: the --metric hint only where optimize offers it', () => {
    sample(join(dir, 'flat/x.f32'));
    expect(() => loadCheckedData(join(dir, 'flat'), model, { ...req, role: 'evaluation', metric: 'accuracy' })).toThrow(
      /flat: x\.f32 is not inside a class folder .*; evaluation data need labels, or --metric agreement/,
    );
    expect(() => loadCheckedData(join(dir, 'flat'), model, { ...req, role: 'evaluation' })).toThrow(/evaluation data need labels$/);
    // Calibration and distillation training need no labels.
    expect(loadCheckedData(join(dir, 'flat'), model, { ...req, role: 'calibration' }).inputs).toHaveLength(1);
    expect(loadCheckedData(join(dir, 'flat'), model, { ...req, role: 'training' }).inputs).toHaveLength(1);
  });

  it('labels outside the class count, from folders or CSV', () => {
    sample(join(dir, 'big/10_x/x.f32'));
    expect(() => loadCheckedData(join(dir, 'big'), model, { ...req, role: 'training' })).toThrow(/label 10 is outside the model's 10 classes/);
    writeFileSync(join(dir, 'big.csv'), `12,${Array(784).fill(0).join(',')}\n`);
    expect(() => loadCheckedData(join(dir, 'big.csv'), model, { ...req, role: 'evaluation', metric: 'accuracy' })).toThrow(/label 12 is outside/);
  });
});
