/**
 * The query string of a dashboard page, read strictly: every filter has a shape and a bound (page
 * size, page number, text length, month range), and anything else is a 400 naming the parameter, so
 * no request can make PostgreSQL scan or return without limit.
 */

export class BadRequest extends Error {}
export class NotFound extends Error {}

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;
/** Offsets past this are refused: narrow the filters instead (keeps every page's work bounded). */
export const MAX_OFFSET = 20_000;
export const MAX_TEXT = 100;
/** Trends and charts look back at most this many months. */
export const MAX_MONTHS = 36;

export class Query {
  constructor(private readonly params: URLSearchParams, private readonly allowed: readonly string[]) {
    for (const key of new Set(params.keys())) {
      if (!allowed.includes(key)) throw new BadRequest(`unknown parameter "${key}" (this page takes ${allowed.join(', ') || 'none'})`);
      if (params.getAll(key).length > 1) throw new BadRequest(`parameter "${key}" is given more than once`);
    }
  }

  /** The raw value, blank counted as absent. */
  raw(key: string): string | undefined {
    const value = this.params.get(key)?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  text(key: string): string | undefined {
    const value = this.raw(key);
    if (value !== undefined && value.length > MAX_TEXT) throw new BadRequest(`${key} is longer than ${MAX_TEXT} characters`);
    return value;
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (!(values as readonly string[]).includes(value)) throw new BadRequest(`${key}=${value.slice(0, 40)} is not one of ${values.join(', ')}`);
    return value as T;
  }

  int(key: string, min: number, max: number): number | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (!/^\d{1,9}$/u.test(value) || Number(value) < min || Number(value) > max) throw new BadRequest(`${key}=${value.slice(0, 40)} is not a whole number from ${min} to ${max}`);
    return Number(value);
  }

  /** YYYY-MM, a real month between 2000-01 and 2999-12. */
  month(key: string): string | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (!/^2\d{3}-(0[1-9]|1[0-2])$/u.test(value)) throw new BadRequest(`${key}=${value.slice(0, 40)} is not a month like 2026-10`);
    return value;
  }

  /** Page size and offset, both bounded. */
  paging(): { size: number; page: number; offset: number } {
    const size = this.int('size', 1, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE;
    const page = this.int('page', 1, 1_000_000) ?? 1;
    const offset = (page - 1) * size;
    if (offset > MAX_OFFSET) throw new BadRequest(`page ${page} starts past row ${MAX_OFFSET}: narrow the filters (client, source, search) instead`);
    return { size, page, offset };
  }
}

/** User text for ILIKE: its wildcards taken literally. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/gu, (c) => `\\${c}`)}%`;
}
