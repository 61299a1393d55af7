/**
 * What `warehouse sites map` does: map one vendor organisation to a site by hand. It holds the
 * source's collect lock (a collect publishing the same alias at the same moment would race the
 * re-attribution) and refuses to contradict the mapping file, which is applied at every run and
 * would undo it.
 */
import type { Sql } from 'postgres';
import { ConfigError, UsageError } from '../errors.js';
import { acquireSourceLock, releaseSourceLock } from '../load/lock.js';
import { setAliasSite, siteByName, type Reattribution, type Tx } from './mapping.js';
import { normalizeOrgName } from './normalize.js';
import { entryFor, parseSourceRef, SITE_MAP_KEY, type SiteMapEntry } from './site-map.js';

export interface ManualMapRequest {
  /** `threatlocker` or `pmp/branch-server`. */
  source: string;
  externalId: string;
  site: string;
  /** Create the site when no site has that name. */
  create: boolean;
  /** The mapping file's entries (WAREHOUSE_SITE_MAP), to refuse contradicting them. */
  siteMap: readonly SiteMapEntry[];
}

export interface ManualMapResult {
  source: string;
  instance: string;
  externalId: string;
  aliasName: string;
  previousSite: string | null;
  site: string;
  siteCreated: boolean;
  reattribution: Reattribution | null;
}

export async function mapAliasManually(sql: Sql, request: ManualMapRequest): Promise<ManualMapResult> {
  const ref = parseSourceRef(request.source);
  if (!ref) throw new UsageError(`unknown source "${request.source}"`, 'Name one of ninjaone, threatlocker, pmp (optionally source/instance).');
  const [instance] = await sql<{ source_instance_id: number }[]>`
    select source_instance_id from ops.source_instances where source = ${ref.source} and instance = ${ref.instance}`;
  if (!instance) throw new UsageError(`${request.source} has never been collected`, 'Collect it first; its organisations appear after the first run.');
  const inFile = entryFor(request.siteMap, ref.source, ref.instance, request.externalId);
  if (inFile && inFile.site.toLowerCase() !== request.site.trim().toLowerCase()) {
    throw new ConfigError(SITE_MAP_KEY, `${inFile.file} line ${inFile.line} maps ${ref.source} ${request.externalId} to "${inFile.site}"`,
      'The mapping file is applied at every run and would undo this; change that line instead.');
  }
  const lock = await acquireSourceLock(sql, instance.source_instance_id, `${ref.source} (${ref.instance})`);
  try {
    return await sql.begin(async (tx) => {
      const [alias] = await tx<{ alias_id: number; name: string; previous: string | null }[]>`
        select sa.alias_id, sa.name, s.name as previous
        from core.site_aliases as sa left join core.sites as s on s.site_id = sa.site_id
        where sa.source_instance_id = ${instance.source_instance_id} and sa.parent_external_id is null
          and lower(sa.external_id) = lower(${request.externalId})
        order by sa.alias_id limit 1`;
      if (!alias) {
        throw new UsageError(`${request.source} has no organisation with id ${request.externalId}`,
          'See `warehouse sites unmapped` for the ids the vendor lists (external_id column).');
      }
      const site = await siteByName(tx, request.site, request.create);
      if (!site) throw new UsageError(`no site is named "${request.site}"`, await siteHint(tx, request.site));
      const how = inFile ? `mapping file ${inFile.file} line ${inFile.line}` : 'warehouse sites map';
      const reattribution = await setAliasSite(tx, alias.alias_id, site.siteId, 'manual', how);
      return {
        source: ref.source, instance: ref.instance, externalId: request.externalId, aliasName: alias.name,
        previousSite: alias.previous, site: site.name, siteCreated: site.created, reattribution,
      };
    });
  } finally {
    await releaseSourceLock(lock, instance.source_instance_id).catch(() => {});
  }
}

async function siteHint(sql: Tx, name: string): Promise<string> {
  const close = await sql<{ name: string }[]>`
    select name from core.sites
    where md5(normalized_name) = md5(${normalizeOrgName(name)}) and normalized_name = ${normalizeOrgName(name)} and not is_unmapped
    order by name limit 3`;
  if (close.length > 0) return `Did you mean ${close.map((c) => `"${c.name}"`).join(' or ')}? Or add --create to create a new site.`;
  return 'See `warehouse sites list`, or add --create to create a new site of that name.';
}
