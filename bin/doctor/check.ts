/** One line of `warehouse doctor`: what was checked, how it stands, and what to do when it does not. */
import { EXIT, type ExitCode, WarehouseError } from '../../warehouse/errors.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
  /** The exit code this failure would give the command it stands for (DESIGN exit codes). */
  exitCode?: ExitCode;
}

export const ok = (name: string, detail: string): Check => ({ name, status: 'ok', detail });
export const skip = (name: string, detail: string): Check => ({ name, status: 'skip', detail });
export const warn = (name: string, detail: string, fix?: string): Check => ({ name, status: 'warn', detail, ...(fix ? { fix } : {}) });

/** A failed check from what went wrong: a warehouse error keeps its message, hint and exit code. */
export function failed(name: string, error: unknown): Check {
  if (error instanceof WarehouseError) return { name, status: 'fail', detail: error.message, fix: error.hint, exitCode: error.exitCode };
  return { name, status: 'fail', detail: (error as Error).message ?? String(error), exitCode: EXIT.internal };
}

/** The doctor's exit: 0 when nothing failed (warnings allowed), else the first failure's code. */
export function exitOf(checks: Check[]): ExitCode {
  return checks.find((c) => c.status === 'fail')?.exitCode ?? (checks.some((c) => c.status === 'fail') ? EXIT.usage : EXIT.ok);
}
