/** Child organizations -> site aliases. The list is small; ids are kept to tell which orgs the computers name. */
import { PayloadError } from '../../../warehouse/errors.js';
import type { AliasRow } from '../../shared/rows.js';
import type { CollectContext } from '../../../warehouse/run/source.js';
import type { ThreatLockerClient } from '../client.js';
import { VENDOR, isRecord } from '../client.js';
import type { ThreatLockerConfig } from '../config.js';
import { RowShapeError, mapOrganization } from '../map.js';
import type { ChildOrganizationParameters, TlOrganization } from '../types.js';
import { bodyPages } from './paging.js';

export const CHILD_ORGANIZATIONS_PATH = 'Organization/OrganizationGetChildOrganizationsByParameters';

export function childOrganizationsBody(pageNumber: number, pageSize: number): ChildOrganizationParameters {
  return {
    pageNumber,
    pageSize,
    searchText: '',
    orderBy: 'name',
    isAscending: true,
    // Grandchildren too: computers are listed with childOrganizations (all descendants), so every
    // organization a computer can name should be an alias.
    includeAllChildren: true,
    includeProductBundles: false,
    // T5 (live): without it the list comes back empty.
    childOrganizations: true,
  };
}

/** Writes one alias per child organization; returns the ids listed. */
export async function collectOrganizations(ctx: CollectContext<ThreatLockerConfig>, client: ThreatLockerClient): Promise<Set<string>> {
  const { pageSize } = ctx.config;
  const listed = new Set<string>();
  const pages = bodyPages<TlOrganization>(client, CHILD_ORGANIZATIONS_PATH, pageSize, (n) => childOrganizationsBody(n, pageSize));
  for await (const page of pages) {
    ctx.sink.page('organizations');
    await ctx.sink.rawPage('organizations', page.pageNumber, page.rows);
    const rows: AliasRow[] = page.rows.map((org, index) => {
      const alias = mapOrLocate(org, page.pageNumber, index);
      if (listed.has(alias.externalId)) {
        throw new PayloadError(VENDOR, `organization ${alias.externalId} was listed twice (page ${page.pageNumber}): paging is inconsistent; nothing was published, re-run`);
      }
      listed.add(alias.externalId);
      return alias;
    });
    await ctx.sink.aliases(rows);
  }
  ctx.log.info({ stream: 'organizations', rows: listed.size }, 'threatlocker child organizations listed');
  return listed;
}

function mapOrLocate(org: unknown, pageNumber: number, index: number): AliasRow {
  try {
    if (!isRecord(org)) throw new RowShapeError('row is not an object');
    return mapOrganization(org as TlOrganization);
  } catch (error) {
    if (!(error instanceof RowShapeError)) throw error;
    throw new PayloadError(VENDOR, `organization page ${pageNumber} row ${index}: ${error.message}`, { cause: error });
  }
}

/**
 * Aliases for organizations that computers name but the child list did not: the MSP's own parent
 * org (its own machines) or an org created between the two calls. Their names come from the
 * computer rows, so every device's org has an alias and totals add up.
 */
export function aliasesForUnlisted(listed: ReadonlySet<string>, named: ReadonlyMap<string, string | null>, parentOrganizationId: string): AliasRow[] {
  const out: AliasRow[] = [];
  for (const [externalId, name] of named) {
    if (listed.has(externalId)) continue;
    const kind = externalId === parentOrganizationId ? 'organization' : 'child_organization';
    out.push({ externalId, name: name ?? externalId, kind, parentExternalId: null });
  }
  return out;
}
