/**
 * Writes a page atomically (temporary file beside it, then rename), so a reader never sees half a
 * page; a folder that is missing or not writable is the user's to fix (exit 2), not a crash.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileError } from '../errors.js';

export function writePage(path: string, html: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, html);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'EROFS' || code === 'EPERM') throw fileError(path, `cannot write the page (${code})`);
    throw e;
  }
}
