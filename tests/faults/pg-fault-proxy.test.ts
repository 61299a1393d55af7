/** The fault proxy itself: each fault reaches the client the way the header of pg-fault-proxy.ts says. */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { FAULTS, startPgFaultProxy, type Fault } from './helpers/pg-fault-proxy.js';

let db: TestDatabase;
beforeAll(async () => { db = await testDatabase(); });
afterAll(async () => { await db?.close(); });

const EXPECTED: Record<Fault, RegExp> = {
  reset: /ECONNRESET/u,
  end: /CONNECTION_CLOSED/u,
  refused: /ECONNRESET|ECONNREFUSED|CONNECTION_CLOSED/u,
  terminate: /57P01|CONNECTION_CLOSED/u,
  crash: /57P02|CONNECTION_CLOSED/u,
  starting: /57P01|57P03|CONNECTION_CLOSED/u,
  restart: /57P01|CONNECTION_CLOSED/u,
};

async function probe(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  try {
    return await sql`select 1 as one`.then(() => 'ok', (e: unknown) => String((e as { code?: string }).code));
  } finally {
    await sql.end({ timeout: 1 });
  }
}

describe('the PostgreSQL fault proxy', () => {
  it.each(FAULTS)('%s: the armed statement fails, never reaches the server, and the next connection sees the fault', async (fault) => {
    const proxy = await startPgFaultProxy(db.url);
    const sql = postgres(proxy.url, { max: 1, onnotice: () => {}, connect_timeout: 3 });
    try {
      await sql`create table if not exists proxy_probe (x int)`;
      expect(await sql`select 1 as one`).toEqual([{ one: 1 }]);
      const triggered = proxy.arm(/insert into proxy_probe/u, fault);
      const error = await sql`insert into proxy_probe values (1)`.then(() => undefined, (e: unknown) => e as Error & { code?: string });
      expect(await triggered).toMatch(/insert into proxy_probe/u);
      expect(`${error?.code} ${error?.message}`).toMatch(EXPECTED[fault]);
      expect(await db.sql`select count(*)::int as n from proxy_probe`).toEqual([{ n: 0 }]);
      // A new client (postgres.js carries a dead query's state into its next connection).
      expect(await probe(proxy.url)).toBe({ refused: 'ECONNREFUSED', starting: '57P03' }[fault as string] ?? 'ok');
      await proxy.heal();
      expect(await probe(proxy.url)).toBe('ok');
    } finally {
      await sql.end({ timeout: 1 });
      await proxy.close();
    }
  });
});
