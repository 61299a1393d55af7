/**
 * The default billing policy is declared once (warehouse/rows.ts DEFAULT_BILLING_POLICY): the drizzle
 * schema's column defaults, `billing policy`'s help and the settings fallback read it. The committed
 * migrations are the copy that cannot import it: the latest snapshot must hold the same defaults, so a
 * changed constant without its migration fails here (and in CI's drizzle-kit drift check).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BILLING_POLICY } from '../../warehouse/rows.js';

const META = new URL('../../warehouse/migrations/meta/', import.meta.url);

describe('the default billing policy', () => {
  it('is what the latest committed migration gives core.settings', () => {
    const latest = readdirSync(META).filter((file) => /^\d{4}_snapshot\.json$/u.test(file)).sort().at(-1);
    expect(latest).toBeDefined();
    const snapshot = JSON.parse(readFileSync(new URL(latest as string, META), 'utf8')) as {
      tables: Record<string, { columns: Record<string, { default?: unknown }> }>;
    };
    const columns = snapshot.tables['core.settings']?.columns;
    expect(columns?.billed_classes?.default).toBe(`'{${DEFAULT_BILLING_POLICY.billedClasses.join(',')}}'::text[]`);
    expect(columns?.stale_after_days?.default).toBe(DEFAULT_BILLING_POLICY.staleAfterDays);
  });
});
