/**
 * PMP-specific fault switches (set with POST /__simulator/faults or Simulator.setFaults; each call
 * replaces every switch, like the kit's own):
 *   errorAs200 {count, error_code?, path?}  the next `count` API answers are HTTP 200 error bodies
 *   htmlThrottle {count}                    the next `count` API answers are HTML "please wait" pages
 *   forbiddenEndpoint {path | paths}        that endpoint answers 403 (outside the token's scope)
 *   tokenExpiry {afterRequests}             after that many more API requests every issued token dies
 */
export interface PmpFaults {
  errorAs200: { count: number; errorCode: string; path: string | null } | null;
  htmlThrottle: { count: number } | null;
  forbidden: string[];
  tokenExpiryAfter: number | null;
}

export const NO_FAULTS: PmpFaults = { errorAs200: null, htmlThrottle: null, forbidden: [], tokenExpiryAfter: null };

function count(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
}

function object(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${name} must be an object`);
  return value as Record<string, unknown>;
}

/** Normalised for matching: no leading slash, lower case. */
export function normalisePath(path: string): string {
  return path.replace(/^\/+/u, '').toLowerCase();
}

export function parsePmpFaults(f: Record<string, unknown>): PmpFaults {
  const out: PmpFaults = { ...NO_FAULTS, forbidden: [] };
  if (f.errorAs200 != null) {
    const e = object(f.errorAs200, 'errorAs200');
    out.errorAs200 = {
      count: count(e.count ?? 1, 'errorAs200.count'),
      errorCode: String(e.error_code ?? e.errorCode ?? '10001'),
      path: typeof e.path === 'string' ? normalisePath(e.path) : null,
    };
  }
  if (f.htmlThrottle != null) out.htmlThrottle = { count: count(object(f.htmlThrottle, 'htmlThrottle').count ?? 1, 'htmlThrottle.count') };
  if (f.forbiddenEndpoint != null) {
    const fe = object(f.forbiddenEndpoint, 'forbiddenEndpoint');
    const paths = Array.isArray(fe.paths) ? fe.paths : [fe.path];
    if (paths.length === 0 || paths.some((p) => typeof p !== 'string' || p === '')) throw new Error('forbiddenEndpoint needs path (or paths)');
    out.forbidden = (paths as string[]).map(normalisePath);
  }
  if (f.tokenExpiry != null) out.tokenExpiryAfter = count(object(f.tokenExpiry, 'tokenExpiry').afterRequests ?? 0, 'tokenExpiry.afterRequests');
  return out;
}

export function isForbidden(faults: PmpFaults, path: string): boolean {
  const p = normalisePath(path);
  return faults.forbidden.some((f) => p === f || p.endsWith(`/${f}`));
}

/** Consume one errorAs200 for this path; the error code to answer with, or null. */
export function takeErrorAs200(faults: PmpFaults, path: string): string | null {
  const e = faults.errorAs200;
  if (!e || e.count <= 0) return null;
  if (e.path !== null && normalisePath(path) !== e.path && !normalisePath(path).endsWith(`/${e.path}`)) return null;
  e.count -= 1;
  return e.errorCode;
}

export function takeThrottle(faults: PmpFaults): boolean {
  const t = faults.htmlThrottle;
  if (!t || t.count <= 0) return false;
  t.count -= 1;
  return true;
}

