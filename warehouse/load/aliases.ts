/**
 * Upsert a run's aliases and map new top-level ones to sites. Manual mappings always win and are
 * never touched here. A new alias is matched automatically only when its normalised name matches
 * exactly one site; the site-defining source (the RMM by default) creates a site when none matches.
 */
import type { TransactionSql } from 'postgres';
import type { AliasRow } from '../rows.js';
import { normalizeOrgName } from '../sites/normalize.js';

export interface AliasPublishInput {
  tx: TransactionSql;
  sourceInstanceId: number;
  snapshotDay: string;
  aliases: AliasRow[];
  createsSites: boolean;
}

export async function publishAliases(input: AliasPublishInput): Promise<void> {
  const { tx, sourceInstanceId, snapshotDay, aliases } = input;
  if (aliases.length === 0) return;
  await tx`
    insert into core.site_aliases (source_instance_id, kind, external_id, name, parent_external_id, first_seen_on, last_seen_on)
    select ${sourceInstanceId}, a.kind, a.external_id, a.name, a.parent_external_id, ${snapshotDay}::date, ${snapshotDay}::date
    from jsonb_to_recordset(${tx.json(aliases.map((a) => ({ kind: a.kind, external_id: a.externalId, name: a.name, parent_external_id: a.parentExternalId })) as never)})
      as a(kind text, external_id text, name text, parent_external_id text)
    on conflict (source_instance_id, kind, external_id) do update set
      name = excluded.name,
      parent_external_id = excluded.parent_external_id,
      first_seen_on = least(core.site_aliases.first_seen_on, excluded.first_seen_on),
      last_seen_on = greatest(core.site_aliases.last_seen_on, excluded.last_seen_on),
      updated_at = now()
    where (core.site_aliases.name, core.site_aliases.parent_external_id, core.site_aliases.last_seen_on)
      is distinct from (excluded.name, excluded.parent_external_id, greatest(core.site_aliases.last_seen_on, excluded.last_seen_on))`;
  const unmapped = await tx<{ alias_id: number; name: string }[]>`
    select alias_id, name from core.site_aliases
    where source_instance_id = ${sourceInstanceId} and parent_external_id is null and mapping = 'unmapped'`;
  for (const alias of unmapped) await mapAlias(input, alias);
}

async function mapAlias(input: AliasPublishInput, alias: { alias_id: number; name: string }): Promise<void> {
  const { tx } = input;
  const normalized = normalizeOrgName(alias.name);
  if (normalized === '') return;
  const matches = await tx<{ site_id: number }[]>`
    select site_id from core.sites where normalized_name = ${normalized} and not is_unmapped`;
  let siteId: number | undefined;
  if (matches.length === 1) {
    siteId = matches[0]?.site_id;
  } else if (matches.length === 0 && input.createsSites) {
    const [created] = await tx<{ site_id: number }[]>`
      insert into core.sites (name, normalized_name) values (${alias.name.trim()}, ${normalized})
      on conflict (name) do nothing returning site_id`;
    siteId = created?.site_id;
  }
  if (siteId !== undefined) {
    await tx`update core.site_aliases set site_id = ${siteId}, mapping = 'auto', updated_at = now() where alias_id = ${alias.alias_id}`;
  }
}
