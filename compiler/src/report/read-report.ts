/** Reads a `<name>.report.json` for `mlshrink report`, refusing what is not an mlshrink report (exit 2). */
import { readJsonFile } from '../io/read-json.js';
import { fileError } from '../errors.js';
import type { OptimizeReport } from '../pipeline/report.js';

export function readReport(path: string): OptimizeReport {
  const json = readJsonFile(path, 'report');
  const r = json as Partial<OptimizeReport> | null;
  if (typeof r !== 'object' || r === null || r.mlshrinkReport !== 1) throw fileError(path, 'not an mlshrink report (no "mlshrinkReport": 1)');
  const ok = typeof r.model === 'string' && typeof r.before?.bytes === 'number' && typeof r.after?.bytes === 'number' && typeof r.budget === 'object' && Array.isArray(r.passes) && Array.isArray(r.warnings);
  if (!ok) throw fileError(path, 'incomplete mlshrink report (model, before, after, budget, passes or warnings missing)');
  return r as OptimizeReport;
}
