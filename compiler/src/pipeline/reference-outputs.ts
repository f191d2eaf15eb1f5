import { UserError } from '../errors.js';
import { openFloatRunner, runAll, type EvalData } from '../eval/evaluate.js';
import { liteRtFailure } from '../eval/litert-failure.js';
import type { Model } from '../ir/model.js';

/**
 * The original model's outputs on the evaluation data. Failing here means the user's model cannot
 * be evaluated (LiteRT refuses it, several inputs, an input type evaluation cannot feed): a user
 * error, whatever the class of the exception.
 */
export async function referenceOutputs(modelPath: string, original: { bytes: Uint8Array; model: Model }, data: EvalData, onDone: (done: number) => void): Promise<Float32Array[][]> {
  try {
    const runner = await openFloatRunner(original);
    try {
      return await runAll(runner, data.inputs, onDone);
    } finally {
      runner.dispose();
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw liteRtFailure(modelPath, e) ?? new UserError(`${modelPath}: cannot evaluate the input model in LiteRT: ${e instanceof Error ? e.message : String(e)}`);
  }
}
