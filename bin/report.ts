/** How a failed verb ends: the operator's one line (and, for a bug, a structured line with the stack). */
import pino from 'pino';
import { createLogger } from '../warehouse/log.js';
import { asDatabaseError } from '../warehouse/db.js';
import { WarehouseError, exitCodeOf } from '../warehouse/errors.js';
import { redact } from '../warehouse/redact.js';

export function report(thrown: unknown): number {
  // Whichever stage lost the database, and however the loss surfaced: exit 8 with its one line.
  const error = asDatabaseError(thrown);
  const code = exitCodeOf(error);
  if (error instanceof WarehouseError) {
    process.stderr.write(`warehouse: ${redact(error.message)}\n→ ${error.hint}\n`);
  } else {
    // The stack goes to a structured line on stderr (redacted; stdout may be an export or --json), then one line for the operator.
    createLogger({ destination: pino.destination({ dest: 2, sync: true }) }).error({ err: error }, 'internal error');
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`warehouse: internal error: ${redact(message).split('\n')[0]}\n→ This is a bug; nothing was published. Report it with the JSON log line (it holds the stack).\n`);
  }
  return code;
}
