/**
 * A source that exists only in the tests: a deterministic in-memory fleet, configured by TINY_* keys,
 * to prove the run lifecycle (lock, staging, gate, publish) without any vendor.
 */
import { defineSource } from '../../collectors/shared/define-source.js';
import { type Source } from '../../warehouse/run/source.js';
import { ConfigError } from '../../warehouse/errors.js';
import { NO_KIND_COUNTS, type DeviceRow } from '../../collectors/shared/rows.js';

export interface TinyConfig {
  devices: number;
  orgs: number;
  pageSize: number;
  /** Repeat this page (1-based) to provoke the duplicate check. */
  repeatPage: number | null;
  /** Rename devices so a re-run changes rows. */
  variant: string;
  /** Throw after this many pages (a vendor failure mid-run). */
  failAfterPages: number | null;
  /** Announce on stdout and wait (for kill tests) after this many pages. */
  pauseAfterPages: number | null;
  /** Every n-th device drifts: its timestamp in the wrong unit (ms read as s), every 2n-th loses its id. */
  driftEvery: number | null;
  /** Not a key of its own: the tiny vendor is never throttled. */
  requestBudget: number;
}

export function tinyDevice(i: number, config: Pick<TinyConfig, 'orgs' | 'variant'>): DeviceRow {
  return {
    vendorId: `dev-${i}`,
    orgExternalId: `org-${i % config.orgs}`,
    locationName: i % 17 === 0 ? 'Spare Stock' : 'Main Office',
    displayName: i % 23 === 0 ? `SPARE laptop ${i}` : null,
    hostname: `HOST-${i}${config.variant}`,
    fqdn: null,
    serialNumber: `SN${i}`,
    macAddresses: [`AA:BB:CC:00:00:${(i % 256).toString(16).padStart(2, '0').toUpperCase()}`],
    ipAddresses: [],
    osName: i % 5 === 0 ? 'Windows Server 2022' : 'Windows 11 Pro',
    osBuild: null,
    vendorClass: i % 5 === 0 ? 'WINDOWS_SERVER' : 'WINDOWS_WORKSTATION',
    deviceClass: i % 5 === 0 ? 'server' : 'workstation',
    online: true,
    lastContactAt: new Date(Date.UTC(2026, 0, 1)),
    lastUser: `user "${i}"\t;drop`,
    agentVersion: '1.0',
    extras: { n: i },
  };
}

/** Schema drift as a vendor would cause it: epoch milliseconds read as seconds, an id gone missing. */
function drift(row: DeviceRow, i: number, every: number | null): DeviceRow {
  if (!every || i % every !== 0) return row;
  if (i % (2 * every) === 0) return { ...row, vendorId: '' };
  return { ...row, lastContactAt: new Date(Date.UTC(2026, 0, 1) * 1000) };
}

const int = (value: string | undefined, key: string): number | null => {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new ConfigError(key, 'must be an integer', `Set ${key} to a whole number.`);
  return n;
};

export const tiny: Source<TinyConfig> = defineSource<TinyConfig>({
  name: 'ninjaone',
  keys: { required: ['TINY_DEVICES'], optional: ['TINY_ORGS', 'TINY_PAGE_SIZE', 'TINY_REPEAT_PAGE', 'TINY_VARIANT', 'TINY_FAIL_AFTER', 'TINY_PAUSE_AFTER', 'TINY_DRIFT_EVERY'], secrets: [], declared: [] },
  loadConfig(reader) {
    const devices = int(reader.get('TINY_DEVICES'), 'TINY_DEVICES');
    if (devices === null) return null;
    return {
      devices,
      orgs: int(reader.get('TINY_ORGS'), 'TINY_ORGS') ?? 3,
      pageSize: int(reader.get('TINY_PAGE_SIZE'), 'TINY_PAGE_SIZE') ?? 100,
      repeatPage: int(reader.get('TINY_REPEAT_PAGE'), 'TINY_REPEAT_PAGE'),
      variant: reader.get('TINY_VARIANT') ?? '',
      failAfterPages: int(reader.get('TINY_FAIL_AFTER'), 'TINY_FAIL_AFTER'),
      pauseAfterPages: int(reader.get('TINY_PAUSE_AFTER'), 'TINY_PAUSE_AFTER'),
      driftEvery: int(reader.get('TINY_DRIFT_EVERY'), 'TINY_DRIFT_EVERY'),
      requestBudget: 20_000,
    };
  },
  secretsOf: () => [],
  async collect(ctx) {
    const { config, sink } = ctx;
    await sink.aliases(Array.from({ length: config.orgs }, (_, i) => ({
      externalId: `org-${i}`, name: `Client ${i} LLC`, kind: 'organization' as const, parentExternalId: null,
    })));
    let page = 0;
    for (let start = 0; start < config.devices; start += config.pageSize) {
      page += 1;
      const rows = Array.from({ length: Math.min(config.pageSize, config.devices - start) }, (_, k) => drift(tinyDevice(start + k, config), start + k, config.driftEvery));
      await sink.devices(rows);
      if (config.repeatPage === page) await sink.devices(rows);
      sink.page('devices');
      await sink.patchStatus(rows.map((r, k) => ({
        vendorId: r.vendorId, missingCritical: (start + k) % 3, missingImportant: 1, missingModerate: 0, missingLow: 0, missingUnrated: 0,
        missingOs: 1, missingThirdParty: 0, missingDriver: 0, missingBios: 0, installedCount: 10,
        lastScanAt: null, lastSuccessfulScanAt: null, scanStatus: 'success', healthStatus: null,
        installedByKind: { ...NO_KIND_COUNTS }, totalByKind: { ...NO_KIND_COUNTS }, lastPatchedAt: null,
      })));
      if (config.failAfterPages === page) throw new Error('tiny vendor exploded');
      if (config.pauseAfterPages === page) {
        process.stdout.write('PAUSED_IN_COPY\n');
        await new Promise(() => {});
      }
    }
  },
  async simulator() {
    throw new Error('the tiny source has no simulator');
  },
});
