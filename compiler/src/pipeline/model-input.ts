/** The input .tflite as bytes and IR, refused with one line when it cannot be optimized. */
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { Model } from '../ir/model.js';
import { formatIssue, verifyModel, type VerifyCheck } from '../ir/verify.js';
import { ModelFormatError } from '../tflite/errors.js';
import { readModel } from '../tflite/read.js';

/** Reads and parses the input model; an unreadable, invalid or broken one is the user's to fix. */
export function readInput(modelPath: string): { bytes: Uint8Array; model: Model } {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(modelPath));
  } catch (e) {
    throw new UserError(`${modelPath}: cannot read model (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let model: Model;
  try {
    model = readModel(bytes);
  } catch (e) {
    if (e instanceof ModelFormatError) throw new UserError(`${modelPath}: not a valid .tflite model: ${e.message}`);
    throw e;
  }
  // A graph that parses but is broken (bad indices, misordered ops, short constants) is refused
  // here, so a pass that later throws on a valid model is known to be a bug. Shape and
  // quantization findings are not fatal: LiteRT runs some such models (e.g. person_detect).
  const broken = verifyModel(model).filter((i) => FATAL_INPUT_CHECKS.has(i.check));
  if (broken.length > 0) {
    const more = broken.length > 1 ? ` (and ${broken.length - 1} more)` : '';
    throw new UserError(`${modelPath}: not a valid .tflite model: ${formatIssue(broken[0]!)}${more}`);
  }
  return { bytes, model };
}

const FATAL_INPUT_CHECKS: ReadonlySet<VerifyCheck> = new Set(['index', 'producer', 'order', 'buffer-size', 'shape-bound']);
