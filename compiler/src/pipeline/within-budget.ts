/** A measured loss within its budget, allowing for float rounding in the measurement (1e-12). */
export function withinBudget(loss: number, budget: number): boolean {
  return loss <= budget + 1e-12;
}
