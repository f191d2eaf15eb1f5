/**
 * The CLI as a user meets it: bad inputs give exit code 2 and exactly one stderr line naming the
 * file, never a stack trace. Runs the TypeScript entry point through tsx (no build step needed).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, fixturePath, readFixture } from '../compiler/src/testing/fixtures.js';

function runCli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'compiler/src/cli/run.ts', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A real 2x2 grayscale PNG. */
function tinyPng(): Uint8Array {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  const raw = Buffer.from([0, 10, 200, 0, 30, 90]); // filter byte + 2 pixels per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function seededBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

let dir: string;
const bad: Record<string, string> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlshrink-cli-'));
  bad.missing = join(dir, 'does-not-exist.tflite');
  bad.directory = join(dir, 'a-directory.tflite');
  mkdirSync(bad.directory);
  bad.empty = join(dir, 'empty.tflite');
  writeFileSync(bad.empty, new Uint8Array(0));
  bad.png = join(dir, 'picture.png');
  writeFileSync(bad.png, tinyPng());
  const model = readFixture('mediapipe/hand_landmark_lite.tflite');
  bad.truncated = join(dir, 'truncated.tflite');
  writeFileSync(bad.truncated, model.subarray(0, Math.floor(model.length / 3)));
  bad.truncatedHeader = join(dir, 'truncated-header.tflite');
  writeFileSync(bad.truncatedHeader, model.subarray(0, 6));
  bad.random = join(dir, 'random.tflite');
  writeFileSync(bad.random, seededBytes(4096, 42));
  bad.device = '/dev/null';
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mlshrink inspect on bad input', () => {
  it.each(['missing', 'directory', 'empty', 'png', 'truncated', 'truncatedHeader', 'random', 'device'])('%s → exit 2, one line, no stack', (kind) => {
    const path = bad[kind];
    const r = runCli(['inspect', path]);
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`mlshrink: ${path}: `)).toBe(true);
    if (kind === 'png') expect(lines[0]).toMatch(/is a PNG image, not a TFLite model/);
    if (kind === 'directory') expect(lines[0]).toMatch(/is a directory/);
    if (kind === 'device') expect(lines[0]).toMatch(/not a regular file/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).toBe('');
  });

  it('usage errors exit 2 with one line', () => {
    // More usage cases run in-process in compiler/src/cli/inspect.test.ts; spawning is slow.
    for (const args of [['no-such-command'], ['inspect', fixturePath('tflm/simple_add_model.tflite'), '--bogus']]) {
      const r = runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^mlshrink: /);
    }
  });

  it('a good model exits 0 and prints JSON with --json', () => {
    const r = runCli(['inspect', fixturePath('tflm/simple_add_model.tflite'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).opHistogram).toEqual({ ADD: 1 });
  });
});
