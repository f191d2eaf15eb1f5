import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.js';

const dir = mkdtempSync(join(tmpdir(), 'mlshrink-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temporary file', () => {
    const p = join(dir, 'out.bin');
    writeFileSync(p, 'old content');
    writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(p)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });

  it('replaces a symlink at the destination instead of writing through it', () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    writeFileSync(join(sub, 'target'), 'user file');
    symlinkSync(join(sub, 'target'), join(sub, 'out'));
    writeFileAtomic(join(sub, 'out'), 'new');
    expect(readFileSync(join(sub, 'target'), 'utf8')).toBe('user file');
    expect(readFileSync(join(sub, 'out'), 'utf8')).toBe('new');
  });

  it('a failed write is a user error naming the file and removes its own temporary file only', () => {
    const sub = join(dir, 'fail');
    mkdirSync(join(sub, 'x.bin'), { recursive: true }); // a folder where the file should go: rename fails
    writeFileSync(join(sub, 'keep'), 'k');
    expect(() => writeFileAtomic(join(sub, 'x.bin'), 'data')).toThrow(/x\.bin: cannot write \(EISDIR\)/);
    expect(readdirSync(sub).sort()).toEqual(['keep', 'x.bin']);
  });
});
