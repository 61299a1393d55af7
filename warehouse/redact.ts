/**
 * Secrets never reach logs, errors or the database. Every resolved secret is registered here once,
 * and everything that leaves the process (log lines, error messages, stored error text) passes
 * through redact().
 */
const secrets = new Set<string>();
const SECRET_QUERY_PARAMS = /([?&](?:client_secret|password|refresh_token|access_token|token|code)=)[^&#]*/giu;

export function registerSecret(value: string | undefined | null): void {
  // Very short values would redact ordinary words; real secrets are longer.
  if (value && value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  let out = text.replace(SECRET_QUERY_PARAMS, '$1[redacted]');
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/** A URL fit for logs: no userinfo, no secret query parameters. */
export function redactUrl(url: string | URL): string {
  try {
    const parsed = new URL(String(url));
    parsed.username = '';
    parsed.password = '';
    return redact(parsed.toString());
  } catch {
    return redact(String(url));
  }
}

/**
 * Deep-copy a value with every string redacted (for structured log payloads). An Error becomes its
 * type, message, code, stack and cause first: its own fields are not enumerable, so copying it as an
 * object would log `{}` (pino's err serializer runs after this, on the copy).
 */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  // Past the depth cap nothing is copied unredacted (a got error's options hold headers and forms).
  if (depth > 6) return '[truncated]';
  if (value instanceof Error) return redactDeep(errorFields(value), depth);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = redactDeep(item, depth + 1);
  return out;
}

function errorFields(error: Error): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;
  const fields: Record<string, unknown> = { type: error.name, message: error.message, stack: error.stack };
  if (code !== undefined) fields.code = code;
  if (error.cause !== undefined) fields.cause = error.cause;
  return { ...fields, ...Object.fromEntries(Object.entries(error)) };
}
