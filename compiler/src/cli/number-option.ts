/**
 * Numeric flags checked here rather than by yargs' `type: 'number'`, which turns `--cluster abc` into
 * NaN and loses what the user typed; the error quotes the given text instead.
 */
import type { Options } from 'yargs';
import { UserError } from '../errors.js';

export type NumberKind = 'number' | 'integer' | 'positive integer';

export function parseNumberFlag(flag: string, value: unknown, kind: NumberKind = 'number'): number {
  if (Array.isArray(value)) throw new UserError(`--${flag}: given more than once`);
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  const ok = Number.isFinite(n) && (kind === 'number' || (Number.isInteger(n) && (kind === 'integer' || n > 0)));
  const what = kind === 'number' ? 'a number' : kind === 'integer' ? 'an integer' : 'a positive integer';
  if (!ok) throw new UserError(`--${flag}: expected ${what}, got "${String(value)}"`);
  return n;
}

/** A yargs option whose value is checked by parseNumberFlag while parsing (before any handler). */
export function numberOption<E extends Options = Options>(
  flag: string,
  describe: string | undefined,
  kind: NumberKind = 'number',
  extra?: E,
): E & { coerce: (v: unknown) => number } {
  // No `type`: yargs then keeps text that is not a number as typed, for the error message.
  return { requiresArg: true, describe, ...(extra as E), coerce: (v: unknown) => parseNumberFlag(flag, v, kind) };
}
