/**
 * The bytes a plan run ships. A run that changed nothing (dynamic on an already-int8 model) ships the
 * input's own bytes unless our compact layout of the same graph is smaller: never a larger re-layout.
 */
import type { ModelUnderTest } from '../eval/evaluate.js';
import type { Model } from '../ir/model.js';
import { writeModel } from '../tflite/write.js';
import type { PlanRun } from './run-plan.js';

export function writtenOutput(run: PlanRun, planInput: Model, original: ModelUnderTest): ModelUnderTest {
  const bytes = writeModel(run.model);
  if (!run.changed && planInput === original.model && original.bytes.length <= bytes.length) return original;
  return { model: run.model, bytes };
}
