/**
 * Upsert a run's aliases, apply the operator's mapping file, and map new top-level aliases to sites.
 * Runs inside the publish transaction, so the day's devices land on the sites decided here.
 *
 * - Manual mappings (the mapping file, `warehouse sites map`) always win and are never undone here.
 * - A vendor renaming an organisation keeps its site: a mapped alias is never re-matched by name.
 * - A new alias is matched automatically only when its normalised name names exactly one site,
 *   by the site's own name or by the name of an alias already mapped to it. Anything else stays
 *   unmapped, with the reason recorded for `warehouse sites unmapped` and bi.unmapped_aliases.
 * - Two organisations of one vendor that normalise alike are two clients: the site-defining source
 *   (the RMM by default) gives each its own site; any other source leaves both unmapped.
 */
import type { TransactionSql } from 'postgres';
import type { AliasRow } from '../rows.js';
import { applySiteMapEntries, setAliasSite } from '../sites/mapping.js';
import { normalizeOrgName } from '../sites/normalize.js';
import type { SiteMapEntry } from '../sites/site-map.js';

export interface AliasPublishInput {
  tx: TransactionSql;
  sourceInstanceId: number;
  snapshotDay: string;
  aliases: AliasRow[];
  createsSites: boolean;
  /** Entries of the mapping file (WAREHOUSE_SITE_MAP), every source; this instance's apply. */
  siteMap?: readonly SiteMapEntry[];
}

export interface AliasPublishResult { manual: number; autoMapped: number; sitesCreated: number; unmapped: number; reattributedDeviceDays: number }

interface InstanceAlias { alias_id: number; external_id: string; name: string; site_id: number | null; mapping: string }
interface Known { sitesByName: Map<string, Set<number>>; siteNames: Map<number, string> }

export async function publishAliases(input: AliasPublishInput): Promise<AliasPublishResult> {
  const { tx, sourceInstanceId, snapshotDay, aliases } = input;
  const result: AliasPublishResult = { manual: 0, autoMapped: 0, sitesCreated: 0, unmapped: 0, reattributedDeviceDays: 0 };
  if (aliases.length === 0) return result;
  const rows = aliases.map((a) => ({
    kind: a.kind, external_id: a.externalId, name: a.name, parent_external_id: a.parentExternalId, normalized_name: normalizeOrgName(a.name),
  }));
  // Aliases created now have no device-days to move when they are mapped (a search per alias would
  // scan the day's partitions once per new organisation).
  const upserted = await tx<{ alias_id: number; inserted: boolean }[]>`
    insert into core.site_aliases (source_instance_id, kind, external_id, name, parent_external_id, normalized_name, first_seen_on, last_seen_on)
    select ${sourceInstanceId}, a.kind, a.external_id, a.name, a.parent_external_id, a.normalized_name, ${snapshotDay}::date, ${snapshotDay}::date
    from jsonb_to_recordset(${tx.json(rows as never)})
      as a(kind text, external_id text, name text, parent_external_id text, normalized_name text)
    on conflict (source_instance_id, kind, external_id) do update set
      name = excluded.name,
      parent_external_id = excluded.parent_external_id,
      normalized_name = excluded.normalized_name,
      first_seen_on = least(core.site_aliases.first_seen_on, excluded.first_seen_on),
      last_seen_on = greatest(core.site_aliases.last_seen_on, excluded.last_seen_on),
      updated_at = now()
    where (core.site_aliases.name, core.site_aliases.parent_external_id, core.site_aliases.normalized_name, core.site_aliases.last_seen_on)
      is distinct from (excluded.name, excluded.parent_external_id, excluded.normalized_name, greatest(core.site_aliases.last_seen_on, excluded.last_seen_on))
    returning alias_id, (xmax = 0) as inserted`;
  const createdNow = new Set(upserted.filter((a) => a.inserted).map((a) => a.alias_id));

  for (const applied of await applySiteMapEntries(tx, sourceInstanceId, input.siteMap ?? [], createdNow)) {
    result.manual += 1;
    result.reattributedDeviceDays += applied.reattribution?.deviceDays ?? 0;
  }
  const [instance] = await tx<{ source: string }[]>`select source from ops.source_instances where source_instance_id = ${sourceInstanceId}`;
  const source = instance?.source ?? 'this source';
  const mine = await tx<InstanceAlias[]>`
    select alias_id, external_id, name, site_id, mapping from core.site_aliases
    where source_instance_id = ${sourceInstanceId} and parent_external_id is null
    order by alias_id`;
  const known = await knownNames(tx);
  const siblings = groupBy(mine, (a) => normalizeOrgName(a.name));
  for (const alias of mine.filter((a) => a.mapping === 'unmapped')) {
    const outcome = await mapAlias(tx, alias, { ...input, source, known, createdNow, siblings: siblings.get(normalizeOrgName(alias.name)) ?? [] });
    if (outcome === 'unmapped') result.unmapped += 1;
    else if (outcome === 'created') result.sitesCreated += 1;
    else result.autoMapped += 1;
  }
  return result;
}

interface MapContext extends AliasPublishInput { source: string; known: Known; siblings: InstanceAlias[]; createdNow: ReadonlySet<number> }

async function mapAlias(tx: TransactionSql, alias: InstanceAlias, ctx: MapContext): Promise<'auto' | 'created' | 'unmapped'> {
  const normalized = normalizeOrgName(alias.name);
  const others = ctx.siblings.filter((s) => s.alias_id !== alias.alias_id);
  const leave = async (why: string): Promise<'unmapped'> => {
    await tx`update core.site_aliases set mapping_note = ${why}, updated_at = now()
      where alias_id = ${alias.alias_id} and mapping_note is distinct from ${why}`;
    return 'unmapped';
  };
  if (normalized === '') return leave('the name is empty once normalised');
  if (!ctx.createsSites && others.length > 0) {
    return leave(`${others.length + 1} ${ctx.source} organisations normalise to "${normalized}": map them by hand`);
  }
  const candidates = new Set(ctx.known.sitesByName.get(normalized) ?? []);
  // In the site-defining source, an organisation beside a same-named sibling is a different client.
  if (ctx.createsSites) for (const sibling of others) if (sibling.site_id !== null) candidates.delete(sibling.site_id);
  if (candidates.size === 1) {
    const [siteId] = [...candidates] as [number];
    await setAliasSite(tx, alias.alias_id, siteId, 'auto', `name matches site "${ctx.known.siteNames.get(siteId)}"`, !ctx.createdNow.has(alias.alias_id));
    remember(ctx.known, normalized, siteId);
    alias.site_id = siteId;
    return 'auto';
  }
  if (candidates.size > 1) {
    const names = [...candidates].map((id) => `"${ctx.known.siteNames.get(id)}"`).sort().join(', ');
    return leave(`ambiguous: ${candidates.size} sites match "${normalized}" (${names})`);
  }
  if (!ctx.createsSites) return leave(`no site matches "${normalized}"`);
  const name = alias.name.trim().replace(/\s+/gu, ' ');
  const [created] = await tx<{ site_id: number }[]>`
    insert into core.sites (name, normalized_name) values (${name}, ${normalized})
    on conflict (md5(name)) do nothing returning site_id`;
  if (!created) return leave(`another site is already named "${name}": map it by hand`);
  ctx.known.siteNames.set(created.site_id, name);
  // Moving from no site to the new one also re-attributes device-days published while unmapped.
  await setAliasSite(tx, alias.alias_id, created.site_id, 'auto', `created the site (${ctx.source} defines sites)`, !ctx.createdNow.has(alias.alias_id));
  remember(ctx.known, normalized, created.site_id);
  alias.site_id = created.site_id;
  return 'created';
}

/** Every name a site is known by, normalised: its own and those of the aliases mapped to it. */
async function knownNames(tx: TransactionSql): Promise<Known> {
  const sites = await tx<{ site_id: number; name: string; normalized_name: string }[]>`
    select site_id, name, normalized_name from core.sites where not is_unmapped`;
  const aliases = await tx<{ site_id: number; name: string }[]>`
    select site_id, name from core.site_aliases where site_id is not null and parent_external_id is null`;
  const known: Known = { sitesByName: new Map(), siteNames: new Map() };
  for (const site of sites) {
    const normalized = normalizeOrgName(site.name);
    known.siteNames.set(site.site_id, site.name);
    remember(known, normalized, site.site_id);
    // Kept current for bi.unmapped_aliases when the normalisation rules change.
    if (site.normalized_name !== normalized) await tx`update core.sites set normalized_name = ${normalized} where site_id = ${site.site_id}`;
  }
  for (const alias of aliases) remember(known, normalizeOrgName(alias.name), alias.site_id);
  return known;
}

function remember(known: Known, normalized: string, siteId: number): void {
  if (normalized === '') return;
  const set = known.sitesByName.get(normalized);
  if (set) set.add(siteId); else known.sitesByName.set(normalized, new Set([siteId]));
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item); else out.set(k, [item]);
  }
  return out;
}
