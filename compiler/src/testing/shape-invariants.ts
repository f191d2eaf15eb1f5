/**
 * Test-only wrapper kept for the pruning tests: the structural checks (constant byte lengths,
 * operand shapes and channel counts across conv / FC / element-wise / concat / reshape, plus
 * indices and order) now live in the IR verifier, ir/verify.ts. Quantization parameters are left
 * out here: some inputs (person_detect) carry odd ones the pruning passes only pass through.
 * Returns human-readable problems of the model (model-level ones and those of `subgraph`);
 * an empty list means consistent.
 */
import type { Model } from '../ir/model.js';
import { formatIssue, verifyModel } from '../ir/verify.js';

export function shapeProblems(model: Model, subgraph = 0): string[] {
  return verifyModel(model)
    .filter((issue) => issue.check !== 'quantization' && (issue.subgraph === undefined || issue.subgraph === subgraph))
    .map(formatIssue);
}
