/**
 * A plain clone runs its own tests: nothing the tests, scripts or build read lies outside the
 * repository (no sibling ../shared folder), the third-party fixtures in test/fixtures are the files
 * SOURCES.md describes (sha256), CI fetches nothing but registry packages, and setup.sh waits for a
 * dpkg lock held by another apt run instead of failing.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../compiler/src/testing/fixtures.js';

const CODE = new Set(['.ts', '.js', '.mjs', '.cjs', '.java', '.kt', '.kts', '.sh', '.json', '.xml', '.properties', '.gradle', '.toml', '.yml', '.yaml']);
const SKIP_DIRS = new Set(['node_modules', 'dist', 'target', 'build', '.git', '.gradle']);

function codeFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...codeFiles(p));
    else if (CODE.has(extname(e.name)) || e.name === 'run') out.push(p);
  }
  return out;
}

describe('a fresh clone is self-contained', () => {
  it('no test, script or build file reads a path outside the repository (../shared, /work/...)', () => {
    const files = codeFiles(REPO_ROOT).filter((f) => !f.endsWith('package-lock.json'));
    expect(files.length).toBeGreaterThan(100);
    const offenders: string[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      text.split('\n').forEach((line, i) => {
        if (/\.\.\/shared\b|\/work\/shared|\/work\/main\b|\/work\/wt\b/.test(line) && !f.endsWith('self-contained.test.ts')) offenders.push(`${relative(REPO_ROOT, f)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  it('every fixture file is in the repository with the sha256 SOURCES.md records', () => {
    const sources = readFileSync(join(REPO_ROOT, 'test/fixtures/SOURCES.md'), 'utf8');
    const listed = [...sources.matchAll(/^([0-9a-f]{64})\s+(\S+)$/gm)].map((m) => ({ sha: m[1]!, file: m[2]! }));
    const onDisk = codeFilesAll(join(REPO_ROOT, 'test/fixtures/models')).map((f) => relative(join(REPO_ROOT, 'test/fixtures'), f)).sort();
    expect(listed.map((l) => l.file).sort()).toEqual(onDisk);
    for (const { sha, file } of listed) {
      expect(createHash('sha256').update(readFileSync(join(REPO_ROOT, 'test/fixtures', file))).digest('hex'), file).toBe(sha);
    }
  });

  it('CI and setup fetch only registry packages: no git clone, curl or wget', () => {
    for (const f of ['.ci/run', 'scripts/setup.sh', 'scripts/test.sh', 'scripts/demo.sh']) {
      expect(readFileSync(join(REPO_ROOT, f), 'utf8'), f).not.toMatch(/\bgit\s+clone\b|\bcurl\b|\bwget\b/);
    }
  });

  it('the README gives only instructions that can be followed: no registry install of mlshrink, no missing Gradle wrapper', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const plugin = readFileSync(join(REPO_ROOT, 'gradle-plugin/plugin/README.md'), 'utf8');
    // mlshrink is not on the npm registry: installs name a tarball made by `npm pack`.
    for (const text of [readme, plugin]) expect(text).not.toMatch(/npm (install|i)\b[^\n`]*\smlshrink(@[\w.]+)?(\s|`|$)/m);
    expect(readme).toMatch(/npm pack -w mlshrink/);
    if (!existsSync(join(REPO_ROOT, 'gradlew'))) expect(readme).not.toMatch(/\.\/gradlew\b/);
  });

  it('setup.sh waits for the dpkg lock: every apt-get call carries DPkg::Lock::Timeout', () => {
    const setup = readFileSync(join(REPO_ROOT, 'scripts/setup.sh'), 'utf8');
    const lockVar = /(\w+)=\(-o DPkg::Lock::Timeout=\d+\)/.exec(setup)?.[1];
    const calls = setup.split('\n').filter((l) => /\bapt-get\b/.test(l) && !/^\s*#/.test(l));
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const line of calls) {
      const waits = /-o DPkg::Lock::Timeout=\d+/.test(line) || (lockVar !== undefined && line.includes(`"\${${lockVar}[@]}"`));
      expect(waits, line.trim()).toBe(true);
    }
  });
});

function codeFilesAll(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? codeFilesAll(join(dir, e.name)) : [join(dir, e.name)]));
}
