/**
 * The run's request budget: the lifecycle creates it from the source's `<SOURCE>_REQUEST_BUDGET`
 * and reports what was spent; the vendor's HTTP layer (collectors/shared/http.ts) takes from it.
 */
import { WarehouseError } from '../errors.js';

/** Counts every HTTP attempt (retries included) against a cap, so a fault storm cannot run forever. */
export interface RequestBudget {
  readonly limit: number;
  used(): number;
  retries(): number;
  take(): void;
  noteRetry(): void;
}

export class BudgetExhaustedError extends WarehouseError {
  constructor(limit: number) {
    super('ERR_BUDGET_EXHAUSTED', 7, `request budget of ${limit} requests exhausted`,
      'The vendor needed more requests than the budget allows (retry storm or a larger fleet); raise the request budget or re-run later.');
  }
}

export function createBudget(limit: number): RequestBudget {
  let used = 0;
  let retries = 0;
  return {
    limit,
    used: () => used,
    retries: () => retries,
    take() {
      if (used >= limit) throw new BudgetExhaustedError(limit);
      used += 1;
    },
    noteRetry() {
      retries += 1;
    },
  };
}
