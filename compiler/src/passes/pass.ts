/**
 * The contract every compression pass follows: IR in, IR out, plus statistics for the report.
 * Passes never mutate their input model; they return a new one (sharing untouched buffers).
 */
import type { Model } from '../ir/model.js';

export type StatValue = number | string | boolean | number[] | Record<string, number>;

export interface PassResult {
  model: Model;
  /** Numbers worth reporting (e.g. { sparsity: 0.5, prunedTensors: 12 }). */
  stats: Record<string, StatValue>;
  /** Things the user should know (e.g. "op MEAN has no int8 kernel; kept float"). */
  warnings: string[];
}

export interface PassContext {
  /** Progress/info messages; the CLI routes them to its progress display. */
  log(message: string): void;
}

export interface Pass<Options> {
  readonly name: string;
  run(model: Model, options: Options, ctx: PassContext): PassResult | Promise<PassResult>;
}

export const silentContext: PassContext = { log() {} };
