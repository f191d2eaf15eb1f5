/** Reads a JSON file the user named; an unreadable file or invalid JSON is the user's to fix (exit 2). */
import { readFileSync } from 'node:fs';
import { fileError } from '../errors.js';

/** `what` names the file in the error ("cannot read config (ENOENT)"). */
export function readJsonFile(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fileError(path, code ? `cannot read ${what} (${code})` : `invalid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}
