/** The corpus manifest (manifest.json beside this file) and where its files are cached. */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(CORPUS_DIR, '../..');

export interface Source {
  registry: 'npm' | 'pypi' | 'fixture' | 'converter';
  package: string;
  version?: string;
  /** File inside the package archive (npm: package/…, wheel: module path), the repo, or the converter's output dir. */
  path: string;
  /** pypi: the wheel's file name as pip downloads it. */
  wheel?: string;
  /** pypi: extra `pip download` arguments (platform wheels). */
  pipArgs?: string[];
  /** converter: the script that builds it. */
  script?: string;
}

export interface CorpusEntry {
  name: string;
  source: Source;
  sha256: string;
  licence: string;
  covers: string[];
  /** Uniform range of the synthetic inputs; default [0, 1]. */
  inputRange?: [number, number];
  notes?: string;
  /** A byte-identical copy in the repo (test/fixtures/…), used instead of the registry when present. */
  fixture?: string;
  /** A single dynamic input's real shape: passed as --input-shape to every mode and used for every sample. */
  inputShape?: number[];
  /** Image models: feed crops of real photos (images.ts) of this kind instead of noise. */
  imageCrop?: ImageCrop;
}

/** The region of a photo an image model expects: a scene with people, a person, a face, a hand. */
export type ImageCrop = 'scene' | 'person' | 'face' | 'hand';

/** A photo used as image-model input (manifest.json "images"). */
export interface ImageSource {
  name: string;
  source: Source;
  sha256: string;
  licence: string;
  /** Square boxes per crop kind: [x, y, side] in pixels, optionally a 4th element, the quarter turns clockwise that make the region upright (a hand model expects fingers up). */
  boxes: Partial<Record<ImageCrop, PhotoBox[]>>;
}

/** [x, y, side] or [x, y, side, quarterTurnsClockwise]. */
export type PhotoBox = [number, number, number] | [number, number, number, number];

export function loadImageSources(): ImageSource[] {
  const doc = JSON.parse(readFileSync(join(CORPUS_DIR, 'manifest.json'), 'utf8')) as { images?: ImageSource[] };
  return doc.images ?? [];
}

export function loadManifest(): CorpusEntry[] {
  const doc = JSON.parse(readFileSync(join(CORPUS_DIR, 'manifest.json'), 'utf8')) as { models: CorpusEntry[] };
  return doc.models;
}

/** Cache root: $MLSHRINK_CORPUS_CACHE or ~/.cache/mlshrink-corpus (outside git). */
export function cacheDir(): string {
  return process.env.MLSHRINK_CORPUS_CACHE ?? join(homedir(), '.cache', 'mlshrink-corpus');
}

/** Where a gathered model lives. Fixtures are read in place from the repo. */
export function modelPath(e: CorpusEntry): string {
  if (e.source.registry === 'fixture') return join(REPO_ROOT, e.source.path);
  if (e.fixture && existsSync(join(REPO_ROOT, e.fixture))) return join(REPO_ROOT, e.fixture);
  return join(cacheDir(), 'models', `${e.name}.tflite`);
}

/** A bench-only Python venv under the cache (venv-tf: converter models; venv-aeq: ai-edge-quantizer). */
export function venvPython(name: 'venv-tf' | 'venv-aeq'): string {
  return join(cacheDir(), name, 'bin', 'python');
}
