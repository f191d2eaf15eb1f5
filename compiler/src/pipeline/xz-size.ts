/**
 * What `xz -9e` would have shipped: the size of a file compressed by the system `xz` binary
 * (XZ Utils). Node has no LZMA encoder built in and the npm ones are unmaintained or native
 * builds, so the report uses the real tool when it is installed (scripts/setup.sh installs
 * xz-utils) and says it is missing otherwise. Single-threaded so the output is deterministic.
 */
import { spawnSync } from 'node:child_process';

export type XzResult = { bytes: number } | { unavailable: string };

export function xzSize(data: Uint8Array): XzResult {
  const r = spawnSync('xz', ['-9e', '-T1', '-c', '-q'], { input: data, maxBuffer: Math.max(1 << 20, 2 * data.byteLength + (1 << 16)) });
  if (r.error) return { unavailable: `xz could not run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` };
  if (r.status !== 0) return { unavailable: `xz exited with status ${String(r.status)}` };
  return { bytes: r.stdout.byteLength };
}
