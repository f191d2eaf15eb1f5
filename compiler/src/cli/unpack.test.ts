import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { packModel } from '../pack/index.js';
import { readFixture } from '../testing/fixtures.js';
import { main } from './main.js';
import { scratchDir } from '../testing/scratch-dir.js';

describe('mlshrink unpack', () => {
  let stderr: string;
  beforeEach(() => {
    stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
  });
  afterEach(() => vi.restoreAllMocks());

  it('decodes a packed file to the original bytes (default and -o output names)', async () => {
    const dir = scratchDir('mlshrink-unpack-');
    const original = readFixture('tflm/person_detect.tflite');
    const packedPath = join(dir, 'person_detect.tflite.mlshrink');
    writeFileSync(packedPath, packModel(original));
    expect(await main(['unpack', packedPath])).toBe(0);
    expect(Buffer.from(readFileSync(join(dir, 'person_detect.tflite'))).equals(Buffer.from(original))).toBe(true);
    expect(await main(['unpack', packedPath, '-o', join(dir, 'x.tflite')])).toBe(0);
    expect(Buffer.from(readFileSync(join(dir, 'x.tflite'))).equals(Buffer.from(original))).toBe(true);
  });

  it('reports a corrupt or non-packed file as one line with exit code 2', async () => {
    const dir = scratchDir('mlshrink-unpack-');
    const packed = packModel(readFixture('tflm/hello_world_int8.tflite'));
    packed[packed.length - 1] ^= 0xff;
    const bad = join(dir, 'bad.tflite.mlshrink');
    writeFileSync(bad, packed);
    expect(await main(['unpack', bad])).toBe(2);
    expect(stderr).toMatch(/^mlshrink: .*bad\.tflite\.mlshrink: corrupt packed model: .+\n$/);
    stderr = '';
    const plain = join(dir, 'plain.tflite');
    writeFileSync(plain, readFixture('tflm/hello_world_int8.tflite'));
    expect(await main(['unpack', plain, '-o', join(dir, 'out.tflite')])).toBe(2);
    expect(stderr).toMatch(/plain\.tflite: not a packed model/);
  });
});
