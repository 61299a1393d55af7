/**
 * Sealed months. At `billing close` every per-device month-end row of the month gets a SHA-256 over
 * a canonical text of its fields (jsonb text: one spelling whatever the session's settings; instants
 * as epoch seconds, never in the session's time zone), and the month a digest over those in a
 * canonical order (bytewise, "C", never the database's collation), chained to the previous closed
 * month's digest. `billing verify` recomputes all three from the rows as they are now.
 */
import type { Sql, TransactionSql } from 'postgres';

type Tx = Sql | TransactionSql;

/** The canonical text of a month-end device row, as SQL over `med` (rollup.month_end_devices) and `si` (ops.source_instances). */
const ROW_TEXT = `jsonb_build_array(
  to_char(med.month, 'YYYY-MM'), si.source, si.instance, med.vendor_id, med.device_id::text, med.site_id::text,
  med.month_end_day::text, med.display_name, med.hostname, med.device_class, med.billing_status, med.reason,
  med.spare_rule_id, med.is_stale, extract(epoch from med.last_contact_at)::text)::text`;

const ROW_DIGEST = `encode(sha256(convert_to(${ROW_TEXT}, 'UTF8')), 'hex')`;
/** Canonical order of a month's rows. */
const ROW_ORDER = 'si.source collate "C", si.instance collate "C", med.vendor_id collate "C", med.device_id';

/** SQL: the month's digest over `rowDigest` (an expression per row), newline-joined in canonical order. */
function monthDigest(rowDigest: string): string {
  return `encode(sha256(convert_to(coalesce(string_agg(${rowDigest}, E'\\n' order by ${ROW_ORDER}), ''), 'UTF8')), 'hex')`;
}

export interface Seal { month: string; devices: number; rowsDigest: string; previousDigest: string | null; digest: string }

/** The chain link: SHA-256 of the previous digest, the month and its rows' digest. */
async function chainDigest(tx: Tx, previous: string | null, month: string, rowsDigest: string): Promise<string> {
  const [row] = await tx<{ digest: string }[]>`
    select encode(sha256(convert_to(coalesce(${previous}::text, '') || E'\n' || ${month}::text || E'\n' || ${rowsDigest}::text, 'UTF8')), 'hex') as digest`;
  return row?.digest as string;
}

/**
 * The chain runs in the order months were closed (then by month): each close links to the one before
 * it, so closing an older month later never rewrites a digest already handed out.
 */
const CHAIN_ORDER = 'closed_at, month';

/** Closes and re-seals take this lock (after their month's), so each link is made against the last one committed. */
export async function lockChain(tx: TransactionSql): Promise<void> {
  await tx`select pg_advisory_xact_lock(hashtext('warehouse:billing-chain'))`;
}

/** The digest of the month closed before `first` (null for the first close). */
async function previousDigest(tx: Tx, first: string): Promise<string | null> {
  const [row] = await tx.unsafe<{ digest: string | null }[]>(`
    select digest from ops.billing_months
    where (closed_at, month) < (select closed_at, month from ops.billing_months where month = $1::date)
    order by closed_at desc, month desc limit 1`, [first]);
  return row?.digest ?? null;
}

/**
 * Seal one closed month (its row in ops.billing_months exists): per-device digests, then the month's.
 * Run inside the transaction that closes (or force-rewrites) the month.
 */
export async function sealMonth(tx: TransactionSql, first: string): Promise<Seal> {
  await tx`delete from ops.billing_seals where month = ${first}::date`;
  await tx.unsafe(`
    insert into ops.billing_seals (month, source_instance_id, device_id, row_digest)
    select med.month, med.source_instance_id, med.device_id, ${ROW_DIGEST}
    from rollup.month_end_devices as med inner join ops.source_instances as si on si.source_instance_id = med.source_instance_id
    where med.month = $1::date`, [first]);
  const [rows] = await tx.unsafe<{ devices: number; digest: string }[]>(`
    select count(*)::int as devices, ${monthDigest('s.row_digest')} as digest
    from ops.billing_seals as s
    inner join rollup.month_end_devices as med on med.month = s.month and med.source_instance_id = s.source_instance_id and med.device_id = s.device_id
    inner join ops.source_instances as si on si.source_instance_id = s.source_instance_id
    where s.month = $1::date`, [first]);
  const month = first.slice(0, 7);
  const previous = await previousDigest(tx, first);
  const seal: Seal = { month, devices: rows?.devices ?? 0, rowsDigest: rows?.digest as string, previousDigest: previous, digest: '' };
  seal.digest = await chainDigest(tx, previous, month, seal.rowsDigest);
  await tx`
    update ops.billing_months set sealed_devices = ${seal.devices}, rows_digest = ${seal.rowsDigest},
      previous_digest = ${previous}, digest = ${seal.digest}, sealed_at = now(),
      month_end_runs = (select array_agg(run_id order by source_instance_id) from rollup.month_ends where month = ${first}::date)
    where month = ${first}::date`;
  return seal;
}

/**
 * Re-seal `first` and every closed month after it (their chain includes its digest): after a forced
 * rewrite of a closed month, which is recorded with the old and new digests.
 */
export async function resealFrom(tx: TransactionSql, first: string): Promise<Array<{ month: string; before: string | null; after: string }>> {
  await lockChain(tx);
  const months = await tx.unsafe<{ month: string; digest: string | null }[]>(`
    select month::text as month, digest from ops.billing_months
    where (closed_at, month) >= (select closed_at, month from ops.billing_months where month = $1::date)
    order by ${CHAIN_ORDER}`, [first]);
  const changes: Array<{ month: string; before: string | null; after: string }> = [];
  for (const m of months) {
    const seal = await sealMonth(tx, m.month);
    changes.push({ month: seal.month, before: m.digest, after: seal.digest });
  }
  return changes;
}

/** Closed months never sealed (closed before sealing existed): sealed now, oldest first, by `migrate`. */
export async function sealUnsealed(sql: Sql): Promise<string[]> {
  return sql.begin(async (tx) => {
    const months = await tx.unsafe<{ month: string }[]>(`select month::text as month from ops.billing_months where digest is null order by ${CHAIN_ORDER}`);
    if (months.length === 0) return [];
    return (await resealFrom(tx, months[0]?.month as string)).map((c) => c.month);
  });
}

export type VerifyProblem =
  | { kind: 'unsealed'; month: string }
  | { kind: 'device'; month: string; change: 'changed' | 'missing' | 'added'; source: string; instance: string; vendorId: string; hostname: string | null }
  | { kind: 'rows'; month: string }
  | { kind: 'chain'; month: string };

export interface VerifyResult { months: Array<{ month: string; devices: number; digest: string }>; problem: VerifyProblem | null }

/**
 * Recompute the seals of every closed month (or up to `through`, YYYY-MM) along the chain: each
 * month's rows against its per-device digests and its rows digest, and each link against the month
 * closed before it. Stops at the first month that no longer matches, naming its first device in
 * canonical order. A month whose month-end rows retention dropped keeps its link checked (its digest
 * stays in ops.billing_months), its rows no longer.
 */
export async function verifySeals(sql: Sql, through?: string): Promise<VerifyResult> {
  const months = await sql.unsafe<{ month: string; digest: string | null; rows_digest: string | null; previous_digest: string | null; kept: boolean }[]>(`
    select bm.month::text as month, bm.digest, bm.rows_digest, bm.previous_digest,
      exists (select 1 from rollup.month_ends as me where me.month = bm.month) as kept
    from ops.billing_months as bm order by ${CHAIN_ORDER}`);
  const result: VerifyResult = { months: [], problem: null };
  let previous: string | null = null;
  for (const m of months) {
    const month = m.month.slice(0, 7);
    if (through && month > through) { previous = m.digest; continue; }
    if (!m.digest || !m.rows_digest) return { ...result, problem: { kind: 'unsealed', month } };
    let devices = 0;
    if (m.kept) {
      const device = await firstMismatch(sql, m.month);
      if (device) return { ...result, problem: { ...device, kind: 'device', month } };
      const [rows] = await sql.unsafe<{ devices: number; digest: string }[]>(`
        select count(*)::int as devices, ${monthDigest(ROW_DIGEST)} as digest
        from rollup.month_end_devices as med inner join ops.source_instances as si on si.source_instance_id = med.source_instance_id
        where med.month = $1::date`, [m.month]);
      if (rows?.digest !== m.rows_digest) return { ...result, problem: { kind: 'rows', month } };
      devices = rows.devices;
    }
    if (m.previous_digest !== previous || (await chainDigest(sql, previous, month, m.rows_digest)) !== m.digest) {
      return { ...result, problem: { kind: 'chain', month } };
    }
    result.months.push({ month, devices, digest: m.digest });
    previous = m.digest;
  }
  return result;
}

/** The first device (canonical order) whose row no longer matches its seal, is missing, or was added. */
async function firstMismatch(sql: Sql, first: string): Promise<Omit<Extract<VerifyProblem, { kind: 'device' }>, 'kind' | 'month'> | undefined> {
  const [row] = await sql.unsafe<{ change: 'changed' | 'missing' | 'added'; source: string; instance: string; vendor_id: string; hostname: string | null }[]>(`
    with now_rows as (
      select med.source_instance_id, med.device_id, med.vendor_id, med.hostname, ${ROW_DIGEST} as row_digest
      from rollup.month_end_devices as med inner join ops.source_instances as si on si.source_instance_id = med.source_instance_id
      where med.month = $1::date
    ),
    sealed as (select source_instance_id, device_id, row_digest from ops.billing_seals where month = $1::date)
    select case when n.device_id is null then 'missing' when s.device_id is null then 'added' else 'changed' end as change,
      si.source, si.instance, coalesce(n.vendor_id, d.vendor_id) as vendor_id, n.hostname
    from now_rows as n
    full outer join sealed as s on s.source_instance_id = n.source_instance_id and s.device_id = n.device_id
    inner join ops.source_instances as si on si.source_instance_id = coalesce(n.source_instance_id, s.source_instance_id)
    left join core.devices as d on d.device_id = coalesce(n.device_id, s.device_id)
    where n.row_digest is distinct from s.row_digest
    order by si.source collate "C", si.instance collate "C", coalesce(n.vendor_id, d.vendor_id) collate "C"
    limit 1`, [first]);
  return row ? { change: row.change, source: row.source, instance: row.instance, vendorId: row.vendor_id, hostname: row.hostname } : undefined;
}
