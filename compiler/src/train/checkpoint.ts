// Training checkpoints: named float32 arrays as one JSON file (base64), so a long training run can be
// exported or resumed later without retraining.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Checkpoint {
  meta: Record<string, unknown>;
  weights: Record<string, Float32Array>;
}

export function saveCheckpoint(file: string, ckpt: Checkpoint): void {
  const weights = Object.fromEntries(Object.entries(ckpt.weights).map(([k, v]) => [k, {
    length: v.length,
    base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'),
  }]));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ meta: ckpt.meta, weights }));
}

export function loadCheckpoint(file: string): Checkpoint {
  const json = JSON.parse(readFileSync(file, 'utf8')) as { meta: Record<string, unknown>; weights: Record<string, { length: number; base64: string }> };
  const weights: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(json.weights)) {
    const bytes = Buffer.from(v.base64, 'base64');
    if (bytes.length !== v.length * 4) throw new Error(`${file}: weight ${k} has ${bytes.length} bytes, expected ${v.length * 4}`);
    // Copy into a fresh, aligned ArrayBuffer (Buffer pools are not 4-byte aligned).
    weights[k] = new Float32Array(new Uint8Array(bytes).buffer);
  }
  return { meta: json.meta, weights };
}
