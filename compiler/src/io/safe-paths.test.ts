import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutputDir, checkOutputFile, futureRealPath, refuseInputAsOutput, sameFile } from './safe-paths.js';

const dir = mkdtempSync(join(tmpdir(), 'mlshrink-safe-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('safe paths', () => {
  mkdirSync(join(dir, 'in'));
  writeFileSync(join(dir, 'in/m.tflite'), 'model');
  symlinkSync(join(dir, 'in'), join(dir, 'link'));
  linkSync(join(dir, 'in/m.tflite'), join(dir, 'hard.tflite'));

  it('resolves symlinks of the existing part of a path and keeps the rest', () => {
    expect(futureRealPath(join(dir, 'link/new/x.tflite'))).toBe(join(futureRealPath(join(dir, 'in')), 'new/x.tflite'));
  });

  it('knows the same file through a symlinked folder and through a hard link', () => {
    expect(sameFile(join(dir, 'link/m.tflite'), join(dir, 'in/m.tflite'))).toBe(true);
    expect(sameFile(join(dir, 'hard.tflite'), join(dir, 'in/m.tflite'))).toBe(true);
    expect(sameFile(join(dir, 'missing'), join(dir, 'in/m.tflite'))).toBe(false);
    expect(() => refuseInputAsOutput(join(dir, 'hard.tflite'), [join(dir, 'in/m.tflite')], '')).toThrow(/would overwrite the input file/);
    expect(() => refuseInputAsOutput(join(dir, 'link/other.tflite'), [join(dir, 'in/m.tflite')], '')).not.toThrow();
  });

  it('output folders: not a file, not below one, not on /proc /sys /dev', () => {
    expect(() => checkOutputDir(join(dir, 'in/m.tflite'))).toThrow(/is a file/);
    expect(() => checkOutputDir(join(dir, 'in/m.tflite/sub'))).toThrow(/is a file, not a directory/);
    for (const p of ['/proc/x', '/sys', '/dev/shm/x']) expect(() => checkOutputDir(p)).toThrow(/special file system/);
    expect(checkOutputDir(join(dir, 'link/new'))).toBe(join(futureRealPath(join(dir, 'in')), 'new'));
  });

  it('output files: an existing one only with force, never a folder', () => {
    expect(() => checkOutputFile(join(dir, 'in/m.tflite'), { force: false })).toThrow(/already exists; add --force/);
    expect(() => checkOutputFile(join(dir, 'in/m.tflite'), { force: true })).not.toThrow();
    expect(() => checkOutputFile(join(dir, 'in'), { force: true })).toThrow(/is a folder/);
  });
});
