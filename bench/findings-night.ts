/**
 * One churn night on an existing warehouse (a scratch copy: DATABASE_URL; it keeps the night), for
 * timing the findings refresh outside the whole bench: the day after the latest published one, 1 %
 * of each source's devices changed (bench/b1-findings.ts), then the incremental refresh and the full
 * re-judgement of the same night, printed as JSON lines. Run it again for another night.
 *
 *   DATABASE_URL=postgres://…/copy node bin/run-ts.js bench/findings-night.ts
 */
import postgres from 'postgres';
import { churnNight, timedRefresh } from './b1-findings.js';
import { quiesce } from './measure.js';

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('findings-night: set DATABASE_URL to a scratch copy of a warehouse\n');
  process.exit(2);
}
const sql = postgres(url, { max: 2, onnotice: () => {} });
try {
  const [last] = await sql<{ day: string }[]>`select max(snapshot_day)::text as day from ops.source_days`;
  const night = await churnNight(sql, last?.day as string);
  await quiesce(sql);
  const incremental = await timedRefresh(sql, false);
  process.stdout.write(`${JSON.stringify({ night, incremental: { ms: incremental.ms, wal: incremental.wal, ...incremental.result } })}\n`);
  await quiesce(sql);
  const full = await timedRefresh(sql, true);
  process.stdout.write(`${JSON.stringify({ full: { ms: full.ms, wal: full.wal, ...full.result } })}\n`);
} finally {
  await sql.end();
}
