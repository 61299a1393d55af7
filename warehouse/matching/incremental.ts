/**
 * The incremental side of the findings refresh (exceptions.ts): what it keeps between nights and how
 * a night re-judges only what changed, with the same SQL as the views.
 *
 * Kept (written by every refresh, full or incremental, in its transaction):
 * - core.match_keys: staging.device_match_keys as last read, plus the device-day columns the keys are
 *   made of; a night compares those columns of each source's latest day against it (one scan, no
 *   key computed) and computes keys only for the devices that differ, are new or are gone;
 * - core.device_matches: the picture (which RMM device each device matched, and how);
 * - core.current_findings: the findings the last refresh found.
 *
 * Which devices a change can affect follows from how staging.device_matches decides: a device is
 * matched by its host name's first 15 characters (in its site, or estate-wide while unmapped), by a
 * serial or a MAC that one RMM device alone carries, and a name counts only when one device claims
 * it. So a device's match depends only on the devices sharing one of those keys with it. The
 * changed devices' keys, old and new, touch a set of keys; every non-RMM device carrying one is
 * re-matched, over every device carrying any key of those (so each re-matched device sees all its
 * candidates, rivals and the RMM devices sharing its serial or MAC). The matching SQL is the view's
 * own text run over that subset. The findings are then re-derived, again by the view's own text, for
 * the RMM devices whose links may have changed and the host names whose duplicates may have, from
 * the kept picture; every other finding is kept as found the night before.
 *
 * Anything else a finding reads (roles, sites and their names, aliases, the billing policy, which
 * sources a site uses, the scopes judged, the views' and the billing function's definitions) is
 * folded into one md5, the basis:
 * when it differs from the last refresh's, the refresh re-judges everything (exceptions.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TransactionSql } from 'postgres';

const VIEWS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'views', 'staging');

/**
 * A view's query, read from its file, with the relations it reads replaced by the given ones (temp
 * tables of the same columns), so the subset is judged by exactly the rules of the full refresh.
 */
export function viewQueryOver(view: string, replace: Record<string, string>): string {
  const text = readFileSync(path.join(VIEWS, `${view}.sql`), 'utf8');
  const head = new RegExp(`^create view staging\\.${view} as$`, 'mu');
  if (!head.test(text)) throw new Error(`views/staging/${view}.sql: no "create view staging.${view} as" line`);
  let query = text.replace(head, '').replace(/^--.*$/gmu, '');
  for (const [from, to] of Object.entries(replace)) {
    const pattern = new RegExp(`\\b${from.replace('.', '\\.')}\\b`, 'gu');
    if (!pattern.test(query)) throw new Error(`views/staging/${view}.sql no longer reads ${from}`);
    query = query.replace(pattern, to);
  }
  if (/staging\.(device_match_keys|device_matches)\b/u.test(query)) throw new Error(`views/staging/${view}.sql reads a matching view the subset does not replace`);
  return query.trim().replace(/;\s*$/u, '');
}

/** The columns of core.match_keys that the views' keys are (staging.device_match_keys without its days). */
export const KEY_COLUMNS = [
  'site_id', 'device_id', 'source_instance_id', 'source', 'instance', 'vendor_id', 'site', 'is_unmapped', 'alias_external_id',
  'namespace', 'hostname', 'display_name', 'subject_name', 'device_class', 'billing_status', 'is_spare', 'spare_rule_id',
  'host_key', 'serial_key', 'mac_keys', 'ip_keys', 'source_role', 'vendor_name',
] as const;

/** The device-day columns the keys and the key row are made of, compared night to night. */
const RAW_COLUMNS = ['source_instance_id', 'vendor_id', 'alias_id', 'hostname', 'display_name', 'fqdn', 'serial_number',
  'mac_addresses', 'ip_addresses', 'device_class', 'is_spare', 'spare_rule_id'] as const;
const RAW_OWN = ['alias_id', 'fqdn', 'serial_number', 'mac_addresses', 'ip_addresses'] as const;
/** The md5 of each MAC key of a key row k (core.match_keys.mac_hashes). */
const MAC_HASHES = 'array(select md5(m.mac) from unnest(k.mac_keys) as m (mac))';

/** Everything a finding depends on besides the devices' own rows, as one md5. */
export async function currentBasis(tx: TransactionSql): Promise<string> {
  const [row] = await tx<{ basis: string }[]>`
    select md5(concat_ws(e'\n',
      (select string_agg(concat_ws(':', source, role, vendor, reports_patches), ',' order by source) from core.source_roles),
      (select string_agg(concat_ws(':', site_id, md5(name), is_unmapped, is_internal), ',' order by site_id) from core.sites),
      (select string_agg(concat_ws(':', alias_id, source_instance_id, md5(external_id), site_id), ',' order by alias_id) from core.site_aliases),
      (select string_agg(concat_ws(':', source_instance_id, source, instance), ',' order by source_instance_id) from ops.source_instances),
      (select billed_classes::text from core.settings),
      (select string_agg(concat_ws(':', site_id, source), ',' order by site_id, source) from staging.site_sources),
      (select string_agg(concat_ws(':', kind, source_instance_id), ',' order by kind, source_instance_id) from staging.cross_vendor_scopes),
      (select string_agg(md5(pg_get_viewdef(v::regclass)), ',' order by v) from unnest(array[
        'staging.device_days_billing', 'staging.device_match_keys', 'staging.device_matches', 'staging.cross_vendor_findings',
        'staging.cross_vendor_scopes', 'staging.site_sources']) as v),
      -- the billing decision the keys' billing_status comes from
      (select string_agg(md5(pg_get_functiondef(p.oid)), ',' order by p.oid::regprocedure::text)
        from pg_proc as p inner join pg_namespace as n on n.oid = p.pronamespace
        where n.nspname = 'core' and p.proname = 'billing_status')
    )) as basis`;
  return row?.basis as string;
}

/**
 * Which rows of a device-day relation (alias d) are each source instance's latest: the days are
 * literal, so PostgreSQL prunes every other day's partition when it plans.
 */
async function latestFilter(tx: TransactionSql): Promise<string> {
  const pairs = await tx<{ id: number; day: string }[]>`select source_instance_id as id, snapshot_day::text as day from staging.source_days_latest`;
  if (pairs.length === 0) return 'false';
  const days = [...new Set(pairs.map((p) => `date '${p.day}'`))].join(', ');
  const match = pairs.map((p) => `(${Number(p.id)}, date '${p.day}')`).join(', ');
  return `d.snapshot_day in (${days}) and (d.source_instance_id, d.snapshot_day) in (${match})`;
}

async function latestRows(tx: TransactionSql): Promise<string> {
  return `select * from core.device_days as d where ${await latestFilter(tx)}`;
}

/** Rebuild core.match_keys from every latest row (the full refresh). */
export async function rebuildKeys(tx: TransactionSql): Promise<number> {
  const rows = await latestRows(tx);
  await tx`delete from core.match_keys`;
  const inserted = await tx.unsafe(`
    insert into core.match_keys (${KEY_COLUMNS.join(', ')}, ${RAW_OWN.join(', ')}, mac_hashes)
    select ${KEY_COLUMNS.map((c) => `k.${c}`).join(', ')}, ${RAW_OWN.map((c) => `d.${c}`).join(', ')}, ${MAC_HASHES}
    from staging.device_match_keys as k
    inner join (${rows}) as d on d.site_id = k.site_id and d.device_id = k.device_id`);
  return inserted.count;
}

/**
 * Diff the latest rows against core.match_keys and bring it up to date: temp table key_changes holds,
 * for each changed (site, device), its old keys (present false: gone, moved or changed) and its new
 * ones (present true). Returns how many devices changed.
 */
export async function diffKeys(tx: TransactionSql): Promise<number> {
  const filter = await latestFilter(tx);
  const rows = `select * from core.device_days as d where ${filter}`;
  // The one read of every latest row: columns compared, no key computed; its hash table in memory.
  await tx`set local work_mem = '256MB'`;
  await tx.unsafe(`
    create temp table key_raw on commit drop as
    select coalesce(d.site_id, k.site_id) as site_id, coalesce(d.device_id, k.device_id) as device_id,
      d.device_id is not null as present, k.device_id is not null as known,
      k.source_instance_id, k.namespace, k.host_key, k.serial_key, k.mac_keys, k.source_role
    from (${rows}) as d
    full join core.match_keys as k on k.site_id = d.site_id and k.device_id = d.device_id
    where k.device_id is null or d.device_id is null
      or (${RAW_COLUMNS.map((c) => `d.${c}`).join(', ')}) is distinct from (${RAW_COLUMNS.map((c) => `k.${c}`).join(', ')})`);
  await tx`set local work_mem to default`;
  // Small temp tables, analyzed so the planner looks their rows up by key instead of scanning.
  await tx`analyze key_raw`;
  // From here on the sets are small: index look-ups (nested loops) are the fast plans.
  await tx`set local enable_nestloop = on`;
  await tx`
    create temp table key_changes on commit drop as
    select c.site_id, c.device_id, c.source_instance_id, c.namespace, c.host_key, c.serial_key, c.mac_keys, c.source_role, false as present
    from key_raw as c where c.known`;
  await tx`delete from core.match_keys as k using key_raw as c where c.site_id = k.site_id and c.device_id = k.device_id and c.known`;
  // Keys computed for the changed devices only, by the view's own text over their rows.
  await tx.unsafe(`
    create temp table changed_rows on commit drop as
    select d.* from staging.device_days_billing as d
    inner join key_raw as c on c.site_id = d.site_id and c.device_id = d.device_id and c.present
    where ${filter}`);
  await tx.unsafe(`
    with added as (
      insert into core.match_keys (${KEY_COLUMNS.join(', ')}, ${RAW_OWN.join(', ')}, mac_hashes)
      select ${KEY_COLUMNS.map((c) => `k.${c}`).join(', ')}, ${RAW_OWN.map((c) => `d.${c}`).join(', ')}, ${MAC_HASHES}
      from (${viewQueryOver('device_match_keys', { 'staging.device_days_latest': 'pg_temp.changed_rows' })}) as k
      inner join changed_rows as d on d.site_id = k.site_id and d.device_id = k.device_id
      returning site_id, device_id, source_instance_id, namespace, host_key, serial_key, mac_keys, source_role
    )
    insert into key_changes select added.*, true from added`);
  await tx`analyze key_changes`;
  const [n] = await tx<{ n: number }[]>`select count(distinct device_id)::int as n from key_raw`;
  return n?.n ?? 0;
}

/** Rows of core.match_keys (or of a query over it) shaped as staging.device_match_keys, with each source's latest day. */
function keysShaped(from: string): string {
  return `
    select k.site_id, k.device_id, k.source_instance_id, k.source, k.instance, k.vendor_id, l.snapshot_day,
      l.as_of, l.snapshot_day = l.as_of as is_current, k.site, k.is_unmapped, k.alias_external_id, k.namespace,
      k.hostname, k.display_name, k.subject_name, k.device_class, k.billing_status, k.is_spare, k.spare_rule_id,
      k.host_key, k.serial_key, k.mac_keys, k.ip_keys, k.source_role, k.vendor_name
    from ${from} as k
    inner join (
      select sdl.source_instance_id, sdl.snapshot_day, max(sdl.snapshot_day) over () as as_of from staging.source_days_latest as sdl
    ) as l on l.source_instance_id = k.source_instance_id`;
}

/** The matching keys (p: host name prefix, s: serial, m: MAC) of the rows a query names, as a small analyzed temp table. */
async function keySet(tx: TransactionSql, name: string, from: string): Promise<void> {
  await tx.unsafe(`
    create temp table ${name} on commit drop as
    select distinct x.kind, x.key from (${from}) as r
    cross join lateral (
      select 'p', left(r.host_key, 15) where r.host_key is not null
      union all select 's', r.serial_key where r.serial_key is not null
      union all select 'm', m.mac from unnest(r.mac_keys) as m (mac)
    ) as x (kind, key)`);
  await tx.unsafe(`analyze ${name}`);
}

/**
 * The core.match_keys rows carrying a key of the set, and those `more` (a select of match_keys rows)
 * names: one index look-up per key (the host name prefix, serial and GIN MAC indexes), never a scan.
 */
const carrying = (set: string, more = ''): string => `(
  select x.* from core.match_keys as x inner join ${set} as t on t.kind = 'p' and left(x.host_key, 15) = t.key
  union select x.* from core.match_keys as x inner join ${set} as t on t.kind = 's' and md5(x.serial_key) = md5(t.key) and x.serial_key = t.key
  union select x.* from core.match_keys as x inner join ${set} as t
    on t.kind = 'm' and x.mac_hashes @> array[md5(t.key)] and x.mac_keys @> array[t.key]
  ${more ? `union ${more}` : ''})`;

export interface Rejudged { rematched: number; found: number }

/**
 * Re-match the devices the changes can affect, update core.device_matches, and leave in temp table
 * `found` the findings of the night (the kept ones and the re-derived ones), as
 * staging.cross_vendor_findings would list them.
 */
export async function rejudge(tx: TransactionSql): Promise<Rejudged> {
  await keySet(tx, 'touched', 'select * from key_changes');
  // The non-RMM devices to re-match: changed, or sharing a key with a change.
  await tx.unsafe(`
    create temp table rematch on commit drop as
    select k.site_id, k.device_id, k.host_key, k.serial_key, k.mac_keys
    from ${carrying('touched', `select x.* from core.match_keys as x
      inner join key_changes as c on c.site_id = x.site_id and c.device_id = x.device_id and c.present`)} as k
    where k.source_role is distinct from 'rmm'`);
  await tx`analyze rematch`;
  await keySet(tx, 'reach', 'select * from rematch');
  // Every device carrying a key of a re-matched device: its candidates, its rivals for a name, the
  // RMM devices that make a serial or MAC ambiguous.
  await tx.unsafe(`create temp table scope_keys on commit drop as ${keysShaped(carrying('reach'))}`);
  // The view's own joins over a derived set: hash joins, as in the full refresh.
  await tx`set local enable_nestloop = off`;
  await tx.unsafe(`
    create temp table scope_matches on commit drop as
    select m.* from (${viewQueryOver('device_matches', { 'staging.device_match_keys': 'pg_temp.scope_keys' })}) as m
    where (m.site_id, m.device_id) in (select r.site_id, r.device_id from rematch as r)`);
  await tx`set local enable_nestloop = on`;
  await tx`analyze scope_matches`;

  // The RMM devices whose links may change: changed ones, and those a re-matched, gone or moved
  // device left (the picture before this night) or joined.
  await tx`
    create temp table relinked on commit drop as
    select c.device_id from key_changes as c where c.source_role = 'rmm'
    union select dm.rmm_device_id from core.device_matches as dm
      inner join rematch as r on r.site_id = dm.site_id and r.device_id = dm.device_id where dm.rmm_device_id is not null
    union select dm.rmm_device_id from core.device_matches as dm
      inner join key_changes as c on c.site_id = dm.site_id and c.device_id = dm.device_id where dm.rmm_device_id is not null
    union select m.rmm_device_id from scope_matches as m where m.rmm_device_id is not null`;
  await tx`analyze relinked`;

  // The picture: gone and moved devices out, changed and re-matched ones rewritten.
  await tx`
    delete from core.device_matches as dm using key_changes as c
    where c.site_id = dm.site_id and c.device_id = dm.device_id and not c.present`;
  await tx`
    insert into core.device_matches as dm (site_id, device_id, source_instance_id, billing_status, is_spare, host_key,
      rmm_device_id, rmm_site_id, match_rule, ambiguity)
    select k.site_id, k.device_id, k.source_instance_id, k.billing_status, k.is_spare, k.host_key,
      m.rmm_device_id, m.rmm_site_id, m.match_rule, m.ambiguity
    from (
      select c.site_id, c.device_id from key_changes as c where c.present
      union select r.site_id, r.device_id from rematch as r
    ) as todo
    inner join core.match_keys as k on k.site_id = todo.site_id and k.device_id = todo.device_id
    left join scope_matches as m on m.site_id = k.site_id and m.device_id = k.device_id
    on conflict (site_id, device_id) do update set
      source_instance_id = excluded.source_instance_id, billing_status = excluded.billing_status, is_spare = excluded.is_spare,
      host_key = excluded.host_key, rmm_device_id = excluded.rmm_device_id, rmm_site_id = excluded.rmm_site_id,
      match_rule = excluded.match_rule, ambiguity = excluded.ambiguity
    where (dm.source_instance_id, dm.billing_status, dm.is_spare, dm.host_key, dm.rmm_device_id, dm.rmm_site_id, dm.match_rule, dm.ambiguity)
      is distinct from (excluded.source_instance_id, excluded.billing_status, excluded.is_spare, excluded.host_key,
        excluded.rmm_device_id, excluded.rmm_site_id, excluded.match_rule, excluded.ambiguity)`;

  // Host names whose duplicates may have changed: every device of those (instance, host name) pairs.
  await tx`
    create temp table renamed on commit drop as
    select distinct c.source_instance_id, c.host_key from key_changes as c where c.host_key is not null`;
  await tx`analyze renamed`;
  // The findings' inputs: the relinked RMM devices and the devices of those host names (keys), and
  // from the kept picture every non-RMM device re-matched or linked to an RMM device among the keys.
  await tx.unsafe(`
    create temp table finding_keys on commit drop as ${keysShaped(`(
      select x.* from core.match_keys as x where x.device_id in (select r.device_id from relinked as r)
      union select x.* from core.match_keys as x
        where (x.source_instance_id, md5(x.host_key)) in (select n.source_instance_id, md5(n.host_key) from renamed as n)
          and (x.source_instance_id, x.host_key) in (select n.source_instance_id, n.host_key from renamed as n))`)}`);
  await tx`analyze finding_keys`;
  await tx.unsafe(`
    create temp table finding_matches on commit drop as
    select o.site_id, o.device_id, o.source_instance_id, o.source, o.instance, o.vendor_id, o.as_of, o.is_current,
      o.site, o.is_unmapped, o.namespace, o.subject_name, o.host_key, o.device_class, o.is_spare, o.spare_rule_id,
      r.device_id as rmm_device_id, r.site_id as rmm_site_id, r.site as rmm_site, r.is_unmapped as rmm_is_unmapped,
      r.vendor_id as rmm_vendor_id, r.subject_name as rmm_subject_name, r.is_spare as rmm_is_spare,
      r.spare_rule_id as rmm_spare_rule_id, r.billing_status as rmm_billing_status, dm.match_rule, dm.ambiguity,
      o.source_role, o.vendor_name
    from (
      select x.site_id, x.device_id from rematch as x
      union select d.site_id, d.device_id from core.device_matches as d
        where d.rmm_device_id in (select f.device_id from finding_keys as f where f.source_role = 'rmm')
    ) as todo
    inner join core.device_matches as dm on dm.site_id = todo.site_id and dm.device_id = todo.device_id
    inner join (${keysShaped('core.match_keys')}) as o on o.site_id = dm.site_id and o.device_id = dm.device_id
    left join core.match_keys as r on r.site_id = dm.rmm_site_id and r.device_id = dm.rmm_device_id
    where o.source_role is distinct from 'rmm'`);
  await tx`analyze finding_matches`;
  await tx`set local enable_nestloop = off`;
  await tx.unsafe(`
    create temp table rederived on commit drop as
    select f.* from (${viewQueryOver('cross_vendor_findings', {
      'staging.device_match_keys': 'pg_temp.finding_keys', 'staging.device_matches': 'pg_temp.finding_matches',
    })}) as f
    where f.kind <> 'duplicate_hostname'
      or (f.source_instance_id, f.subject_name) in (select n.source_instance_id, n.host_key from renamed as n)`);

  // The night's findings: the kept ones whose subjects were not re-judged, and the re-derived ones.
  await tx`
    create temp table found on commit drop as
    select cf.site_id, cf.kind, cf.subject_key, cf.source_instance_id, cf.device_id, cf.subject_name, cf.detail
    from core.current_findings as cf
    where not (cf.device_id is not null and (
        cf.device_id in (select c.device_id from key_changes as c)
        or cf.device_id in (select m.device_id from finding_matches as m)
        or cf.device_id in (select k.device_id from finding_keys as k where k.source_role = 'rmm')))
      and not (cf.kind = 'duplicate_hostname'
        and (cf.source_instance_id, cf.subject_name) in (select n.source_instance_id, n.host_key from renamed as n))
    union all
    select r.site_id, r.kind, r.subject_key, r.source_instance_id, r.device_id, r.subject_name, r.detail from rederived as r`;
  const [counts] = await tx<{ rematched: number; found: number }[]>`
    select (select count(*)::int from rematch) as rematched, (select count(*)::int from found) as found`;
  return { rematched: counts?.rematched ?? 0, found: counts?.found ?? 0 };
}

/** Bring core.current_findings to the night's `found`, touching only what differs. */
export async function keepFindings(tx: TransactionSql): Promise<void> {
  await tx`
    delete from core.current_findings as cf
    where not exists (
      select 1 from found as f where f.site_id = cf.site_id and f.kind = cf.kind and f.subject_key = cf.subject_key
        and (f.source_instance_id, f.device_id, f.subject_name, f.detail) is not distinct from (cf.source_instance_id, cf.device_id, cf.subject_name, cf.detail))`;
  await tx`
    insert into core.current_findings (site_id, kind, subject_key, source_instance_id, device_id, subject_name, detail)
    select f.site_id, f.kind, f.subject_key, f.source_instance_id, f.device_id, f.subject_name, f.detail from found as f
    on conflict (site_id, kind, subject_key) do nothing`;
}
