/**
 * Text cleaning at the edge: PostgreSQL text cannot hold NUL, and jsonb refuses both `\u0000` and
 * lone UTF-16 surrogates, so one vendor string with either would fail a whole run. Both are replaced
 * by U+FFFD (never removed: removing could merge two different names, "A\0B" and "AB", into one).
 * Mappers clean every string they put into a row; raw payloads are stored cleaned as jsonb plus, when
 * cleaning changed anything, their exact JSON text (see jsonbSafe).
 */

// A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/gu;
// eslint-disable-next-line no-control-regex
const UNSTORABLE_TEST = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;
export const REPLACEMENT = '\uFFFD';

export function hasUnstorable(text: string): boolean {
  return UNSTORABLE_TEST.test(text);
}

/** The string with every NUL and lone surrogate replaced by U+FFFD. */
export function cleanText(text: string): string {
  return hasUnstorable(text) ? text.replace(UNSTORABLE, REPLACEMENT) : text;
}

/** A JSON value with every string (keys included) cleaned; the same value when nothing needed it. */
export function cleanJson(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(cleanJson);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[cleanText(key)] = cleanJson(item);
    return out;
  }
  return value;
}

function needsCleaning(value: unknown): boolean {
  if (typeof value === 'string') return hasUnstorable(value);
  if (Array.isArray(value)) return value.some(needsCleaning);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.entries(value).some(([key, item]) => hasUnstorable(key) || needsCleaning(item));
  }
  return false;
}

/**
 * A vendor payload as jsonb can store it, and its exact JSON text when jsonb cannot: `json` has
 * NUL and lone surrogates replaced by U+FFFD; `verbatim` is JSON.stringify of the payload as
 * received (JSON escapes them as \u0000 and \udXXX, so the text is plain and lossless), or null
 * when `json` already is the payload unchanged.
 */
export function jsonbSafe(payload: unknown): { json: unknown; verbatim: string | null } {
  const value = payload === undefined ? null : payload;
  if (!needsCleaning(value)) return { json: value, verbatim: null };
  return { json: cleanJson(value), verbatim: JSON.stringify(value) };
}

// In JSON.stringify's output a NUL is always the escape \u0000 and a lone surrogate always \udXXX
// (paired ones are written as characters): text without either needs no cleaning. A match may be a
// false alarm (an escaped backslash followed by "u0000"); jsonbSafe then decides exactly.
const MAYBE_UNSTORABLE_ESCAPE = /\\u0000|\\ud[89a-f]/iu;

/**
 * jsonbSafe as JSON text, for a payload written as `$1::text::jsonb` (a bare `::jsonb` parameter is typed jsonb by the driver, which would store the text as one JSON string): one JSON.stringify instead of a walk
 * over every value followed by the driver's own stringify (a raw page of 1,000 devices is 1.5 MB).
 */
export function jsonbText(payload: unknown): { text: string; verbatim: string | null } {
  const text = JSON.stringify(payload === undefined ? null : payload);
  if (!MAYBE_UNSTORABLE_ESCAPE.test(text)) return { text, verbatim: null };
  const { json, verbatim } = jsonbSafe(payload);
  return { text: verbatim === null ? text : JSON.stringify(json), verbatim };
}
