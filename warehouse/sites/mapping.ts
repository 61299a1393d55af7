/**
 * Pointing a vendor alias at a canonical site, and what that does to history: the alias's devices
 * move with it in every month not yet closed (ops.billing_months); closed months keep what was
 * invoiced. Shared by the publish path (mapping file, automatic matches) and `warehouse sites map`.
 */
import type { Sql, TransactionSql } from 'postgres';
import { closedMonth, lockMonthsShared } from '../billing/months.js';
import { requestRollup } from '../billing/rollup-requests.js';
import { UNMAPPED_SITE_NAME, type SiteMapEntry } from './site-map.js';
import { normalizeOrgName } from './normalize.js';

export type Tx = TransactionSql | Sql;

export interface Reattribution {
  /** Device-days moved to the alias's (new) site. */
  deviceDays: number;
  /** First and last snapshot day moved, or null when nothing moved. */
  from: string | null;
  to: string | null;
  /** Closed months ('YYYY-MM') that still hold the alias's devices under another site. */
  closedMonthsKept: string[];
}

export interface SiteRef { siteId: number; name: string; created: boolean }

/** A site by name (exact, else case-insensitive); created when `create` and none exists. */
export async function siteByName(tx: Tx, name: string, create: boolean): Promise<SiteRef | undefined> {
  const wanted = name.trim().replace(/\s+/gu, ' ');
  const [found] = await tx<{ site_id: number; name: string }[]>`
    select site_id, name from core.sites
    where not is_unmapped and lower(name) = lower(${wanted})
    order by (name = ${wanted}) desc, site_id
    limit 1`;
  if (found) return { siteId: found.site_id, name: found.name, created: false };
  if (!create || wanted === '' || wanted === UNMAPPED_SITE_NAME) return undefined;
  // Another run may create the same site at the same moment: then use the one it committed.
  const [created] = await tx<{ site_id: number }[]>`
    insert into core.sites (name, normalized_name) values (${wanted}, ${normalizeOrgName(wanted)})
    on conflict (md5(name)) do nothing returning site_id`;
  if (created) return { siteId: created.site_id, name: wanted, created: true };
  const [raced] = await tx<{ site_id: number }[]>`select site_id from core.sites where md5(name) = md5(${wanted}) and name = ${wanted}`;
  return raced ? { siteId: raced.site_id, name: wanted, created: false } : undefined;
}

/**
 * Set an alias's site and mapping, then re-attribute its devices when the site changed. Writes
 * nothing when the alias already reads exactly so (re-runs rewrite no row).
 */
export async function setAliasSite(
  tx: Tx, aliasId: number, siteId: number | null, mapping: 'auto' | 'manual' | 'unmapped', note: string,
  /** False for an alias created in this transaction: no device-day can point at it yet, so none is searched for. */
  mayHaveDeviceDays = true,
): Promise<Reattribution | null> {
  const [before] = await tx<{ site_id: number | null }[]>`select site_id from core.site_aliases where alias_id = ${aliasId}`;
  const changed = await tx`
    update core.site_aliases set site_id = ${siteId}, mapping = ${mapping}, mapping_note = ${note},
      mapped_at = case when site_id is distinct from ${siteId} or mapping <> ${mapping} then now() else mapped_at end,
      updated_at = now()
    where alias_id = ${aliasId}
      and (site_id, mapping, mapping_note) is distinct from (${siteId}::int, ${mapping}::text, ${note}::text)`;
  if (changed.count === 0 || before?.site_id === siteId || !mayHaveDeviceDays) return null;
  return reattributeAlias(tx, aliasId);
}

/**
 * Move the alias's device-days (and their patch rows) to its current site in every open month.
 * Bounded by the days the vendor listed the alias, so only those partitions are read.
 */
export async function reattributeAlias(tx: Tx, aliasId: number): Promise<Reattribution> {
  const none: Reattribution = { deviceDays: 0, from: null, to: null, closedMonthsKept: [] };
  const [alias] = await tx<{ site_id: number; first: string; last: string }[]>`
    select coalesce(sa.site_id, (select s.site_id from core.sites as s where s.is_unmapped)) as site_id,
      sa.first_seen_on::text as first, sa.last_seen_on::text as last
    from core.site_aliases as sa where sa.alias_id = ${aliasId}`;
  if (!alias) return none;
  // Serialise with a close of any month the alias's days fall in (a close takes the month alone).
  await lockMonthsShared(tx, alias.first, alias.last);
  const [moved] = await tx<{ n: number; first: string | null; last: string | null }[]>`
    with moved as (
      update core.device_days as dd set site_id = ${alias.site_id}
      where dd.snapshot_day between ${alias.first}::date and ${alias.last}::date
        and dd.alias_id = ${aliasId} and dd.site_id <> ${alias.site_id}
        and not ${closedMonth(tx, tx`dd.snapshot_day`)}
      returning dd.snapshot_day
    )
    select count(*)::int as n, min(snapshot_day)::text as first, max(snapshot_day)::text as last from moved`;
  if ((moved?.n ?? 0) > 0) {
    await tx`
      update core.patch_status as ps set site_id = dd.site_id
      from core.device_days as dd
      where ps.snapshot_day between ${moved?.first ?? null}::date and ${moved?.last ?? null}::date
        and dd.snapshot_day between ${moved?.first ?? null}::date and ${moved?.last ?? null}::date
        and dd.alias_id = ${aliasId} and dd.snapshot_day = ps.snapshot_day and dd.device_id = ps.device_id
        and dd.source_instance_id = ps.source_instance_id and ps.site_id <> dd.site_id`;
  }
  const kept = await tx<{ month: string }[]>`
    select distinct to_char(dd.snapshot_day, 'YYYY-MM') as month
    from core.device_days as dd
    where dd.snapshot_day between ${alias.first}::date and ${alias.last}::date
      and dd.alias_id = ${aliasId} and dd.site_id <> ${alias.site_id}
      and ${closedMonth(tx, tx`dd.snapshot_day`)}
    order by 1`;
  // The rollup owes these days and their months a recount: daily counts, and month-ends even where
  // the dailies have expired (kept rows follow the alias). `warehouse rollup` and the nightly pay it.
  await requestRollup(tx, alias.first, alias.last, `alias ${aliasId} re-attributed to site ${alias.site_id}`);
  return { deviceDays: moved?.n ?? 0, from: moved?.first ?? null, to: moved?.last ?? null, closedMonthsKept: kept.map((k) => k.month) };
}

export interface AppliedEntry { entry: SiteMapEntry; aliasId: number; site: SiteRef; reattribution: Reattribution | null }

/**
 * Apply the mapping file's entries for one source instance. An entry whose alias the vendor has not
 * listed yet waits (it applies at the run that first lists it). Returns what changed.
 */
export async function applySiteMapEntries(
  tx: Tx, sourceInstanceId: number, entries: readonly SiteMapEntry[], createdNow: ReadonlySet<number> = new Set(),
): Promise<AppliedEntry[]> {
  if (entries.length === 0) return [];
  const [instance] = await tx<{ source: string; instance: string }[]>`
    select source, instance from ops.source_instances where source_instance_id = ${sourceInstanceId}`;
  if (!instance) return [];
  const mine = entries.filter((e) => e.source === instance.source && e.instance === instance.instance);
  const applied: AppliedEntry[] = [];
  for (const entry of mine) {
    const aliases = await tx<{ alias_id: number }[]>`
      select alias_id from core.site_aliases
      where source_instance_id = ${sourceInstanceId} and parent_external_id is null and lower(external_id) = lower(${entry.externalId})`;
    if (aliases.length === 0) continue;
    const site = await siteByName(tx, entry.site, true);
    if (!site) continue;
    for (const alias of aliases) {
      const reattribution = await setAliasSite(tx, alias.alias_id, site.siteId, 'manual', `mapping file ${entry.file} line ${entry.line}`, !createdNow.has(alias.alias_id));
      applied.push({ entry, aliasId: alias.alias_id, site, reattribution });
    }
  }
  return applied;
}
