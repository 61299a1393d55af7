/**
 * pino JSON logs on stdout (synchronous: a oneshot job must not lose its last lines). Every string
 * that leaves through the logger is redacted against the registered secrets, and auth headers are
 * censored by path as a second line of defence.
 */
import pino, { type Logger } from 'pino';
import { redact, redactDeep } from './redact.js';

export type { Logger };

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino({
    level: options.level ?? 'info',
    base: { app: 'warehouse' },
    redact: {
      paths: ['*.headers.authorization', '*.authorization', '*.password', '*.client_secret', '*.token', '*.access_token', '*.refresh_token'],
      censor: '[redacted]',
    },
    formatters: {
      log: (object) => redactDeep(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const redacted = args.map((arg) => (typeof arg === 'string' ? redact(arg) : arg));
        method.apply(this, redacted as Parameters<typeof method>);
      },
    },
    // The log formatter above has already turned errors into redacted plain fields (redactDeep).
    serializers: { err: (value: unknown) => (value instanceof Error ? pino.stdSerializers.err(value) : value) },
  }, options.destination ?? pino.destination({ dest: 1, sync: true }));
}

export const silentLogger: Logger = pino({ level: 'silent' });
