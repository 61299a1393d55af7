/**
 * Given-these-rows helpers for the site and matching tests: a source that publishes exactly the
 * aliases and devices a test hands it, through the real run lifecycle (stage, gate, publish).
 */
import { runCollect, type RunResult } from '../../warehouse/run/runner.js';
import { defineSource } from '../../collectors/shared/define-source.js';
import { type Source, type SourceName } from '../../warehouse/run/source.js';
import type { AliasRow, DeviceRow } from '../../collectors/shared/rows.js';
import type { TestDatabase } from '../helpers/db.js';

export interface Snapshot { aliases: AliasRow[]; devices: DeviceRow[] }

export function org(externalId: string, name: string, kind: AliasRow['kind'] = 'organization'): AliasRow {
  return { externalId, name, kind, parentExternalId: null };
}

export function device(vendorId: string, orgExternalId: string, fields: Partial<DeviceRow> = {}): DeviceRow {
  return {
    vendorId, orgExternalId, locationName: 'Main Office', displayName: null, hostname: null, fqdn: null,
    serialNumber: null, macAddresses: [], ipAddresses: [], osName: 'Windows 11 Pro', osBuild: null,
    vendorClass: 'WINDOWS_WORKSTATION', deviceClass: 'workstation', online: true, lastContactAt: null,
    lastUser: null, agentVersion: null, extras: {}, ...fields,
  };
}

/** A source named like a real vendor whose whole fleet is the snapshot the test sets. */
export function fixtureSource(name: SourceName): Source & { snapshot: Snapshot } {
  const holder: Source & { snapshot: Snapshot } = {
    ...defineSource({
      name,
      keys: { required: [], optional: [], secrets: [], declared: [] },
      loadConfig: () => ({ requestBudget: 20_000 }),
      secretsOf: () => [],
      async collect(ctx) {
        await ctx.sink.aliases(holder.snapshot.aliases);
        await ctx.sink.devices(holder.snapshot.devices);
        ctx.sink.page('devices');
      },
      async simulator() {
        throw new Error('fixture sources have no simulator');
      },
    }),
    snapshot: { aliases: [], devices: [] },
  };
  return holder;
}

/** Publish one source-day of the given rows; fails the test on anything but success. */
export async function publishDay(db: TestDatabase, source: Source & { snapshot: Snapshot }, day: string, snapshot: Snapshot): Promise<RunResult> {
  source.snapshot = snapshot;
  const result = await runCollect({
    source, env: { DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'UTC' }, date: day, today: day, acceptShrink: true,
  });
  if (result.status !== 'succeeded') throw new Error(`publish ${source.name} ${day}: ${result.status} ${result.error?.message ?? ''}`);
  return result;
}
