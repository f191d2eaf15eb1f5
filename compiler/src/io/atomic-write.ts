/**
 * Writes a file so that readers see the old bytes or the new ones, never a half-written file: the
 * bytes go to a temporary file in the destination folder (same file system, so rename is atomic)
 * which is then renamed over the destination. A failed write removes only its own temporary file.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileError } from '../errors.js';

/** `.name.<pid>.<n>.mlshrink-tmp` beside the destination: hidden, and recognisably this run's. */
let counter = 0;
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.mlshrink-tmp`);
}

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = tempPathFor(path);
  let fd: number | undefined;
  let created = false;
  try {
    // 'wx': the temporary name must be new; never truncate a file that is not ours.
    fd = openSync(tmp, 'wx', 0o644);
    created = true;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    if (created) rmSync(tmp, { force: true });
    throw fileError(path, `cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
