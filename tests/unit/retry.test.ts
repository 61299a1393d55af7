import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay } from '../../collectors/shared/retry.js';
import { redact, redactUrl, registerSecret } from '../../warehouse/redact.js';
import { normalizeOrgName } from '../../warehouse/sites/normalize.js';

describe('retry delay', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
  it('honours Retry-After, caps backoff, jitters, and gives up', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, limit: 3, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(retryDelay({ attempt: 1, policy, retryAfterMs: 2000, random: () => 0 })).toBe(2000);
    expect(retryDelay({ attempt: 3, policy, retryAfterMs: undefined, random: () => 0.999 })).toBeLessThanOrEqual(400);
    expect(retryDelay({ attempt: 3, policy: { ...policy, limit: 10 }, retryAfterMs: undefined, random: () => 0.999 })).toBeLessThanOrEqual(400);
    expect(retryDelay({ attempt: 9, policy: { ...policy, limit: 10 }, retryAfterMs: undefined, random: () => 0.999 })).toBeLessThanOrEqual(1000);
    expect(retryDelay({ attempt: 4, policy, retryAfterMs: undefined, random: () => 0.5 })).toBe(-1);
    expect(retryDelay({ attempt: 1, policy, retryAfterMs: policy.maxRetryAfterMs + 1, random: () => 0 })).toBe(-1);
  });
  it('never answers 0 for a retry (got would take it as "give up"), even for Retry-After: 0', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, limit: 3, baseDelayMs: 1, maxDelayMs: 1 };
    expect(retryDelay({ attempt: 1, policy, retryAfterMs: 0, random: () => 0 })).toBe(1);
    expect(retryDelay({ attempt: 1, policy, retryAfterMs: undefined, random: () => 0 })).toBeGreaterThan(0);
  });
});

describe('redaction', () => {
  it('removes registered secrets and secret query parameters', () => {
    registerSecret('canary-7f3a9c');
    expect(redact('token canary-7f3a9c leaked')).toBe('token [redacted] leaked');
    expect(redactUrl('https://u:pw@host/x?client_secret=abc&page=2')).toBe('https://host/x?client_secret=[redacted]&page=2');
  });
});

describe('organisation name normalisation', () => {
  it.each([
    ['Harbour Dental Pty Ltd', 'harbour dental'],
    ['HARBOUR DENTAL PTY. LTD.', 'harbour dental'],
    ['Smith & Jones, L.L.C.', 'smith and jones'],
    ['smith and jones llc ', 'smith and jones'],
    ['  Acme   Inc', 'acme'],
    ['Limited', 'limited'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeOrgName(input)).toBe(expected);
  });
});
