/** Paths of the third-party fixture models in test/fixtures (provenance: test/fixtures/SOURCES.md). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const FIXTURES_DIR = resolve(REPO_ROOT, 'test/fixtures/models');

/** Every .tflite fixture, as paths relative to FIXTURES_DIR (e.g. "tflm/person_detect.tflite"), sorted. */
export function fixtureModels(): string[] {
  if (!existsSync(FIXTURES_DIR)) throw new Error(`fixtures not found at ${FIXTURES_DIR}`);
  const out: string[] = [];
  for (const group of readdirSync(FIXTURES_DIR).sort()) {
    for (const f of readdirSync(join(FIXTURES_DIR, group)).sort()) {
      if (f.endsWith('.tflite')) out.push(`${group}/${f}`);
    }
  }
  return out;
}

export function fixturePath(rel: string): string {
  return join(FIXTURES_DIR, rel);
}

export function readFixture(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(rel)));
}

/** LSTM fixtures hold variable tensors, which LiteRT.js 2.5.3 refuses to run. */
export function liteRtCanRun(rel: string): boolean {
  return !/trained_lstm/.test(rel);
}
