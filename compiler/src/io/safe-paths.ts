/**
 * Output locations checked before any work, and "is this the user's input?" decided on the file
 * system's own identity (real paths, device + inode) rather than on path strings, which symlinks
 * and hard links make unreliable.
 */
import { accessSync, constants, existsSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileError } from '../errors.js';

/** Pseudo file systems: writing there does nothing useful and Node's recursive mkdir can loop forever in /proc. */
const SPECIAL_ROOTS = ['/proc', '/sys', '/dev'];

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The real path `path` would have: the deepest existing ancestor resolved through its symlinks,
 * plus the parts that do not exist yet. Throws the user error when an ancestor is not a directory.
 */
export function futureRealPath(path: string): string {
  const missing: string[] = [];
  let p = resolve(path);
  for (;;) {
    const st = statOrUndefined(p);
    if (st) {
      if (missing.length > 0 && !st.isDirectory()) throw fileError(path, `${p} is a file, not a directory`);
      return join(realpathSync(p), ...missing.reverse());
    }
    const parent = dirname(p);
    if (parent === p) return join(p, ...missing.reverse());
    missing.push(basename(p));
    p = parent;
  }
}

function refuseSpecial(path: string, real: string): void {
  for (const root of SPECIAL_ROOTS) {
    if (real === root || real.startsWith(root + sep)) throw fileError(path, `is under ${root}, a special file system; choose a normal folder for the output`);
  }
}

/** The deepest existing ancestor of an absolute real path (the folder whose permissions decide). */
function existingAncestor(real: string): string {
  let p = real;
  while (!existsSync(p)) p = dirname(p);
  return p;
}

function requireWritable(path: string, dir: string): void {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw fileError(path, dir === resolve(path) ? 'folder is not writable' : `cannot create it: ${dir} is not writable`);
  }
}

/**
 * An output folder (`optimize -o`, `assets --out`): not a file, not on a special file system,
 * and writable (or creatable). Returns its real path.
 */
export function checkOutputDir(dir: string): string {
  const real = futureRealPath(dir);
  refuseSpecial(dir, real);
  const st = statOrUndefined(real);
  if (st && !st.isDirectory()) throw fileError(dir, 'is a file; -o names the output folder');
  requireWritable(dir, existingAncestor(real));
  return real;
}

/**
 * An output file (`unpack -o`, `distill -o`): its folder passes checkOutputDir's checks, the name is not
 * a folder, and an existing file is replaced only with `force`.
 */
export function checkOutputFile(file: string, options: { force: boolean }): string {
  const real = futureRealPath(file);
  refuseSpecial(file, real);
  const st = statOrUndefined(real);
  if (st?.isDirectory()) throw fileError(file, 'is a folder; give the output file name');
  if (st && !options.force) throw fileError(file, 'already exists; add --force to replace it');
  requireWritable(file, existingAncestor(dirname(real)));
  return real;
}

/** True when both paths exist and are the same file: symlinks resolved, hard links matched by device + inode. */
export function sameFile(a: string, b: string): boolean {
  const sa = statOrUndefined(a);
  const sb = statOrUndefined(b);
  return sa !== undefined && sb !== undefined && sa.dev === sb.dev && sa.ino === sb.ino;
}

/** Refuses to write `output` when it is (a link to) one of the inputs. */
export function refuseInputAsOutput(output: string, inputs: readonly string[], hint: string): void {
  for (const input of inputs) {
    if (sameFile(output, input) || futureRealPath(output) === futureRealPath(input)) {
      throw fileError(input, `output ${output} would overwrite the input file${hint ? `; ${hint}` : ''}`);
    }
  }
}
