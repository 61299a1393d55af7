import { EXIT, WarehouseError } from '../errors.js';

/**
 * The embedded default database could not be initialised or started. Exit 8 like any unavailable
 * database, but the message carries the real cause (path, errno, the server's own log lines) and the
 * hint says what to do about this cause, not "check that PostgreSQL is running".
 */
export class EmbeddedDatabaseError extends WarehouseError {
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super('ERR_EMBEDDED_DATABASE', EXIT.databaseUnavailable, message, hint, options);
  }
}
