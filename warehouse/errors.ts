/**
 * Every failure the operator can act on is one of these, each with the fixed exit code of DESIGN.md §5
 * and one line saying what to do. Heavy context (response bodies) is non-enumerable so a logged error
 * stays small.
 */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  partial: 3,
  gateRefused: 4,
  locked: 5,
  vendorAuth: 6,
  vendorUnavailable: 7,
  databaseUnavailable: 8,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class WarehouseError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  /** One line telling the operator what to do next. */
  readonly hint: string;
  constructor(code: string, exitCode: ExitCode, message: string, hint: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

export class UsageError extends WarehouseError {
  constructor(message: string, hint = 'Run `warehouse --help` for usage.') {
    super('ERR_USAGE', EXIT.usage, message, hint);
  }
}

/** A configuration key is missing or wrong; the message names the key and the fix. */
export class ConfigError extends WarehouseError {
  readonly key: string;
  constructor(key: string, message: string, hint: string) {
    super('ERR_CONFIG', EXIT.usage, `${key}: ${message}`, hint);
    this.key = key;
  }
}

export class GateRefusedError extends WarehouseError {
  readonly reasons: string[];
  constructor(reasons: string[], hint: string) {
    super('ERR_GATE_REFUSED', EXIT.gateRefused, `completeness gate refused to publish: ${reasons.join('; ')}`, hint);
    this.reasons = reasons;
  }
}

export class LockHeldError extends WarehouseError {
  constructor(what: string) {
    super('ERR_LOCKED', EXIT.locked, `another run of ${what} holds the lock`,
      'Wait for the other run to finish (see `warehouse status`); nothing was changed.');
  }
}

export class DatabaseUnavailableError extends WarehouseError {
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super('ERR_DATABASE_UNAVAILABLE', EXIT.databaseUnavailable, message,
      options?.hint ?? 'Check that PostgreSQL is running and DATABASE_URL is right (or unset it to use the embedded database).', options);
  }
}

/**
 * The database answers but lacks the warehouse's schemas or relations: never migrated, or migrated by
 * an older version. Configuration, not a bug: the operator runs `warehouse migrate`.
 */
export class NotMigratedError extends WarehouseError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('ERR_NOT_MIGRATED', EXIT.usage, `the database is not migrated (${detail})`,
      'Run `warehouse migrate` (as the database owner), then re-run this command.', options);
  }
}

/** The role `warehouse migrate` connects as may not do what migrating needs (create roles, schemas). */
export class MigratePrivilegeError extends WarehouseError {
  constructor(message: string, hint: string) {
    super('ERR_MIGRATE_PRIVILEGE', EXIT.usage, message, hint);
  }
}

/** Base for failures talking to a vendor API. */
export class CollectorError extends WarehouseError {
  readonly source: string;
  constructor(source: string, code: string, exitCode: ExitCode, message: string, hint: string, options?: { cause?: unknown }) {
    super(code, exitCode, `${source}: ${message}`, hint, options);
    this.source = source;
  }
}

export interface ApiErrorContext {
  status?: number | undefined;
  method?: string | undefined;
  /** URL with credentials and secret query parameters removed. */
  url?: string | undefined;
  /** The vendor's request or incident id, for a support ticket. */
  requestId?: string | undefined;
}

export class VendorAuthError extends CollectorError {
  readonly context: ApiErrorContext;
  constructor(source: string, message: string, context: ApiErrorContext, options?: { cause?: unknown }) {
    super(source, 'ERR_VENDOR_AUTH', EXIT.vendorAuth, message,
      `Check the ${source} credentials and their permissions; the run published nothing.`, options);
    this.context = context;
  }
}

export class VendorUnavailableError extends CollectorError {
  readonly context: ApiErrorContext;
  constructor(source: string, message: string, context: ApiErrorContext, options?: { cause?: unknown }) {
    super(source, 'ERR_VENDOR_UNAVAILABLE', EXIT.vendorUnavailable, message,
      `The ${source} API failed after retries; the previous snapshot is untouched. Re-run later (the timer retries tomorrow).`, options);
    this.context = context;
  }
}

/**
 * The vendor's configured URL is wrong: nothing listens there, the name does not resolve, or the very
 * first request is answered 404. Exit 2 at once (retrying cannot fix a typo); names the key and URL.
 */
export class VendorConfigError extends CollectorError {
  readonly key: string;
  constructor(source: string, key: string, message: string, options?: { cause?: unknown }) {
    super(source, 'ERR_VENDOR_URL', EXIT.usage, message,
      `Check ${key}: the ${source} API's address, reachable from this host (a proxy path or port included); nothing was collected.`, options);
    this.key = key;
  }
}

/** The vendor answered with something the mapper cannot trust (wrong shape, error body with 200, HTML). */
export class PayloadError extends CollectorError {
  constructor(source: string, message: string, options?: { cause?: unknown; code?: string; hint?: string }) {
    super(source, options?.code ?? 'ERR_PAYLOAD', EXIT.vendorUnavailable, message,
      options?.hint ?? `The ${source} API returned an unexpected payload; nothing was published. Check the raw pages in the warehouse and the vendor's status page.`,
      options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof WarehouseError ? error.exitCode : EXIT.internal;
}
