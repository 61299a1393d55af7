/** What a test compares before and after a fault: everything published, as one hash. */
import postgres from 'postgres';

export async function fingerprint(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ f: string }[]>`
      select md5(concat_ws('/',
        (select string_agg(t::text, '|' order by t.snapshot_day, t.device_id) from core.device_days t),
        (select string_agg(t::text, '|' order by t.snapshot_day, t.device_id) from core.patch_status t),
        (select string_agg(t::text, '|' order by t.source_instance_id, t.snapshot_day) from ops.source_days t),
        (select string_agg(t::text, '|' order by t.site_id, t.snapshot_day, t.source_instance_id, t.device_class, t.billing_status) from rollup.daily_counts t),
        (select string_agg(t::text, '|' order by t.month, t.source_instance_id, t.device_id) from rollup.month_end_devices t),
        (select string_agg(t::text, '|' order by t.month, t.source_instance_id) from rollup.month_ends t))) as f`;
    return row?.f as string;
  } finally {
    await sql.end();
  }
}

/** PostgreSQL notices a dead client asynchronously: wait until no session holds a run lock. */
export async function settle(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    for (let i = 0; i < 150; i += 1) {
      // This database's locks only: other test files share the server and run collectors of their own.
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from pg_locks
        where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())`;
      if (row?.n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the run lock was never released');
  } finally {
    await sql.end();
  }
}

/** Poll until `check` is true (a run reached the moment a test wants to break it). */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
