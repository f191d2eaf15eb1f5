import { UserError } from '../errors.js';
import type { OptimizeReport } from './report.js';

/** The accuracy budget was not met; the report was written, the model was not. */
export class BudgetError extends UserError {
  constructor(
    message: string,
    readonly report: OptimizeReport,
  ) {
    super(message);
    this.name = 'BudgetError';
  }
}
