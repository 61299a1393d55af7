/**
 * The completeness checks of the streams, against a scripted stand-in for the client (the
 * ThreatLockerClient interface, not HTTP): shapes the simulator never produces on its own.
 */
import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../../warehouse/errors.js';
import { memoryContext } from '../../helpers/memory-sink.js';
import type { ListPage, ThreatLockerClient } from '../../../collectors/threatlocker/client.js';
import type { ThreatLockerConfig } from '../../../collectors/threatlocker/config.js';
import { collectComputers } from '../../../collectors/threatlocker/streams/computers.js';
import { aliasesForUnlisted, collectOrganizations } from '../../../collectors/threatlocker/streams/organizations.js';

const PARENT = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const config: ThreatLockerConfig = { baseUrl: 'http://unused', apiToken: 'token', organizationId: PARENT, pageSize: 2, requestBudget: 100 };
const computer = (n: number, totalRows?: number) => ({
  computerId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  organizationId: 'aaaaaaaa-0000-4000-8000-000000000001',
  organization: 'Acme',
  computerName: `PC-${n}`,
  ...(totalRows === undefined ? {} : { totalRows }),
});

function scripted(pages: Array<ListPage<unknown>>): ThreatLockerClient & { calls: object[] } {
  const calls: object[] = [];
  return {
    calls,
    async postList<Row>(_path: string, body: object): Promise<ListPage<Row>> {
      calls.push(body);
      const page = pages[calls.length - 1];
      if (!page) throw new Error(`unexpected request ${calls.length}`);
      return page as ListPage<Row>;
    },
  };
}

describe('collectComputers', () => {
  it('fails when totalRows changes between pages', async () => {
    const client = scripted([{ rows: [computer(1, 3), computer(2, 3)], headerTotal: 3 }, { rows: [computer(3, 4)], headerTotal: 4 }]);
    await expect(collectComputers(memoryContext(config), client)).rejects.toThrow(/totalRows changed from 3 to 4/u);
  });

  it('accepts an empty fleet, checked against the header total', async () => {
    const ctx = memoryContext(config);
    const client = scripted([{ rows: [], headerTotal: 0 }]);
    await expect(collectComputers(ctx, client)).resolves.toMatchObject({ count: 0 });
    expect(ctx.sink.totals.get('devices')).toBe(0);
  });

  it('refuses an empty first page when the header says there are computers', async () => {
    const client = scripted([{ rows: [], headerTotal: 5 }]);
    await expect(collectComputers(memoryContext(config), client)).rejects.toThrow(PayloadError);
  });

  it('still completes when the server sends no totals at all, and sets no expectation', async () => {
    const ctx = memoryContext(config);
    const client = scripted([{ rows: [computer(1), computer(2)], headerTotal: undefined }, { rows: [computer(3)], headerTotal: undefined }]);
    await expect(collectComputers(ctx, client)).resolves.toMatchObject({ count: 3 });
    expect(ctx.sink.totals.has('devices')).toBe(false);
  });

  it('fails on more rows than totalRows', async () => {
    const client = scripted([{ rows: [computer(1, 2), computer(2, 2)], headerTotal: 2 }, { rows: [computer(3, 2)], headerTotal: 2 }]);
    await expect(collectComputers(memoryContext(config), client)).rejects.toThrow(/listed 3 computers but ThreatLocker reports totalRows 2/u);
  });

  it('quarantines a row it cannot map, naming its page and row; the row still counts towards totalRows', async () => {
    const ctx = memoryContext(config);
    const client = scripted([{ rows: [computer(1, 2), { computerName: 'no id', totalRows: 2 }], headerTotal: 2 }, { rows: [], headerTotal: 2 }]);
    await expect(collectComputers(ctx, client)).resolves.toMatchObject({ count: 1 });
    expect(ctx.sink.quarantined).toEqual([{ stream: 'devices', vendorId: null, reason: 'computer page 1 row 1: computerId is missing or not a string' }]);
  });

  it('asks for pages 1, 2, 3 with the configured page size and streams each page to the sink', async () => {
    const ctx = memoryContext(config);
    const client = scripted([
      { rows: [computer(1, 4), computer(2, 4)], headerTotal: 4 },
      { rows: [computer(3, 4), computer(4, 4)], headerTotal: 4 },
      { rows: [], headerTotal: 4 },
    ]);
    const result = await collectComputers(ctx, client);
    expect(client.calls.map((b) => (b as { pageNumber: number; pageSize: number }))).toMatchObject([{ pageNumber: 1, pageSize: 2 }, { pageNumber: 2 }, { pageNumber: 3 }]);
    expect(ctx.sink.rawPages).toEqual([{ stream: 'devices', page: 1 }, { stream: 'devices', page: 2 }, { stream: 'devices', page: 3 }]);
    expect(result.organizations).toEqual(new Map([['aaaaaaaa-0000-4000-8000-000000000001', 'Acme']]));
  });
});

describe('organizations', () => {
  it('fails on an organization listed twice', async () => {
    const org = { organizationId: 'aaaaaaaa-0000-4000-8000-000000000001', displayName: 'Acme' };
    const client = scripted([{ rows: [org, org], headerTotal: undefined }]);
    await expect(collectOrganizations(memoryContext(config), client)).rejects.toThrow(/listed twice/u);
  });

  it('adds aliases for organizations only the computers name: the parent as an organization', () => {
    const named = new Map<string, string | null>([[PARENT, 'Our MSP'], ['bbbbbbbb-0000-4000-8000-000000000002', null], ['aaaaaaaa-0000-4000-8000-000000000001', 'Acme']]);
    expect(aliasesForUnlisted(new Set(['aaaaaaaa-0000-4000-8000-000000000001']), named, PARENT)).toEqual([
      { externalId: PARENT, name: 'Our MSP', kind: 'organization', parentExternalId: null },
      { externalId: 'bbbbbbbb-0000-4000-8000-000000000002', name: 'bbbbbbbb-0000-4000-8000-000000000002', kind: 'child_organization', parentExternalId: null },
    ]);
  });
});
