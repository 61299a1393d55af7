/**
 * B8: the bi views on the history (issue 23). For each view: its typical filter (one site on the
 * latest day or month the view has; one day or month across sites) p95, and the whole view once;
 * then the README's example queries (the sql blocks of its "Query the views" section that read bi
 * and run as written: the literal client 'Harbour Dental' and literal months replaced by the
 * history's largest client and latest month-end, nothing else). Each against the same rows from a
 * plain table (`create table ... as select * from` the view, indexed on its site and day columns,
 * like B5), the README queries on those tables by schema name alone. Measured, not tuned.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import postgres, { type Sql } from 'postgres';
import { sampleP95 } from './capture.js';
import { timed } from './measure.js';

/** A statement slower than this is stopped and reported as such (the bench must end). */
export const VIEW_TIMEOUT_MS = 30_000;
/** Sampling time per query and side (n ≤ 20; one sample when the first takes a tenth of it). */
const SAMPLE_BUDGET_MS = 2_000;

export interface Timing { p95: number; n: number; rows: number }
export interface ViewRun {
  view: string;
  /** Whole view once, and the same rows from the table; null = stopped at VIEW_TIMEOUT_MS. */
  full: { ms: number | null; rows: number; tableMs: number | null };
  filters: Array<{ label: string; view: Timing | null; table: Timing | null }>;
}
export interface ExampleRun { label: string; view: Timing | null; table: Timing | null; error?: string }

const DAY_COLUMNS = ['snapshot_day', 'day', 'month_start', 'month'];

async function tryTimed(work: () => PromiseLike<readonly unknown[]>): Promise<{ ms: number | null; rows: number }> {
  try {
    const { ms, value } = await timed(work);
    return { ms, rows: value.length };
  } catch (error) {
    if ((error as { code?: string }).code === '57014') return { ms: null, rows: 0 };
    throw error;
  }
}

async function trySample(work: () => PromiseLike<readonly unknown[]>): Promise<Timing | null> {
  try {
    const run = await sampleP95(work, 20, SAMPLE_BUDGET_MS);
    return { p95: run.p95, n: run.n, rows: run.value.length };
  } catch (error) {
    if ((error as { code?: string }).code === '57014') return null;
    throw error;
  }
}

export async function benchViews(url: string): Promise<{ views: ViewRun[]; examples: ExampleRun[]; site: string; month: string }> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connection: { application_name: 'bench:views', statement_timeout: VIEW_TIMEOUT_MS } });
  try {
    await sql`create schema if not exists benchv`;
    const [largest] = await sql<{ site_id: number; site: string }[]>`
      select site_id, site from bi.devices_current group by site_id, site order by count(*) desc, site_id limit 1`;
    const [latestMonth] = await sql<{ month: string | null }[]>`select max(month) as month from bi.billing_monthly`;
    const site = largest ?? { site_id: 0, site: '' };
    const month = latestMonth?.month ?? '';
    const names = await sql<{ name: string }[]>`select table_name as name from information_schema.views where table_schema = 'bi' order by 1`;
    const views: ViewRun[] = [];
    for (const { name } of names) views.push(await benchView(sql, name, site));
    return { views, examples: await benchExamples(sql, site.site, month), site: site.site, month };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function benchView(sql: Sql, name: string, site: { site_id: number; site: string }): Promise<ViewRun> {
  const columns = (await sql<{ name: string }[]>`
    select column_name as name from information_schema.columns where table_schema = 'bi' and table_name = ${name}`).map((c) => c.name);
  const siteColumn = ['site_id', 'site'].find((c) => columns.includes(c));
  const dayColumn = DAY_COLUMNS.find((c) => columns.includes(c));
  const full = await tryTimed(() => sql.unsafe(`select * from bi.${name}`));
  const siteValue = siteColumn === 'site_id' ? site.site_id : site.site;
  if (full.ms === null) {
    // No table to compare with (it would take as long to make): the site filter on the view alone.
    const filters = siteColumn ? [{ label: 'one site', view: await trySample(() => sql.unsafe(`select * from bi.${name} where ${siteColumn} = $1`, [siteValue] as never[])), table: null }] : [];
    return { view: name, full: { ms: null, rows: 0, tableMs: null }, filters };
  }
  await sql.unsafe(`create table benchv.${name} as select * from bi.${name}`);
  for (const column of [siteColumn, dayColumn]) if (column) await sql.unsafe(`create index on benchv.${name} (${column})`);
  await sql.unsafe(`analyze benchv.${name}`);
  const table = await tryTimed(() => sql.unsafe(`select * from benchv.${name}`));
  const filters: ViewRun['filters'] = [];
  let latest: unknown = null;
  if (dayColumn) [{ latest } = { latest: null }] = await sql.unsafe<{ latest: unknown }[]>(`select max(${dayColumn})::text as latest from benchv.${name}`);
  const run = async (label: string, where: string, params: unknown[]): Promise<void> => {
    filters.push({
      label,
      view: await trySample(() => sql.unsafe(`select * from bi.${name} where ${where}`, params as never[])),
      table: await trySample(() => sql.unsafe(`select * from benchv.${name} where ${where}`, params as never[])),
    });
  };
  const dayCast = dayColumn === 'month' ? 'text' : 'date';
  if (siteColumn) {
    if (dayColumn && latest !== null) await run(`one site, latest ${dayColumn}`, `${siteColumn} = $1 and ${dayColumn} = $2::${dayCast}`, [siteValue, latest]);
    else await run('one site', `${siteColumn} = $1`, [siteValue]);
  }
  if (dayColumn && latest !== null) await run(`latest ${dayColumn}, every site`, `${dayColumn} = $1::${dayCast}`, [latest]);
  return { view: name, full: { ms: full.ms, rows: full.rows, tableMs: table.ms }, filters };
}

/** The README's example queries on bi: each statement of the sql blocks under "## Query the views" that reads a bi view. */
export async function readmeExamples(): Promise<Array<{ label: string; query: string }>> {
  const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  const start = readme.indexOf('\n## Query the views');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 5));
  const blocks = [...section.matchAll(/```sql\n([\s\S]*?)```/gu)].map((m) => m[1] ?? '');
  const examples: Array<{ label: string; query: string }> = [];
  for (const block of blocks) {
    let comment = '';
    let current: string[] = [];
    for (const line of block.split('\n')) {
      if (line.trim().startsWith('--')) {
        if (current.length === 0) comment = line.trim().replace(/^--\s*/u, '');
        continue;
      }
      if (line.trim() === '') continue;
      current.push(line);
      if (line.trimEnd().endsWith(';')) {
        const query = current.join('\n').replace(/;\s*$/u, '');
        if (/^\s*(select|with)\b/iu.test(query) && /\bbi\./u.test(query)) {
          const from = /\bfrom\s+(bi\.\w+)/u.exec(query)?.[1] ?? '';
          examples.push({ label: comment || from, query });
        }
        current = [];
        comment = '';
      }
    }
  }
  return examples;
}

async function benchExamples(sql: Sql, site: string, month: string): Promise<ExampleRun[]> {
  const runs: ExampleRun[] = [];
  for (const { label, query } of await readmeExamples()) {
    const bound = query.replaceAll("'Harbour Dental'", `'${site.replaceAll("'", "''")}'`).replace(/'\d{4}-\d{2}'/gu, `'${month}'`);
    const onTables = bound.replace(/\bbi\./gu, 'benchv.');
    try {
      const view = await trySample(() => sql.unsafe(bound));
      // A view stopped at the timeout has no table: the query is then timed on the views alone.
      const tables = await sql<{ n: number }[]>`
        select count(*)::int as n from unnest(${[...onTables.matchAll(/\bbenchv\.(\w+)/gu)].map((m) => m[1] ?? '')}::text[]) as t(name)
        where to_regclass('benchv.' || t.name) is null`;
      runs.push({ label, view, table: (tables[0]?.n ?? 0) > 0 ? null : await trySample(() => sql.unsafe(onTables)) });
    } catch (error) {
      runs.push({ label, view: null, table: null, error: (error as Error).message });
    }
  }
  return runs;
}
