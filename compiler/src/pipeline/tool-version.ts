/** The compiler's name and version (from its package.json, the same file in src/ and dist/ layouts). */
import { readFileSync } from 'node:fs';

let cached: { name: string; version: string } | undefined;

export function toolVersion(): { name: string; version: string } {
  if (!cached) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    cached = { name: pkg.name, version: pkg.version };
  }
  return cached;
}
