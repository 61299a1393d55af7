/** `warehouse sites` and `warehouse exceptions` from the outside: output, exit codes, one-line hints. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KINDS } from '../../bin/commands/exceptions.js';
import { EXIT } from '../../warehouse/errors.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { device, fixtureSource, org, publishDay } from './helpers.js';
import { cleanEnv } from '../helpers/env.js';
import { inOrder } from '../helpers/in-order.js';

const dir = mkdtempSync(path.join(tmpdir(), 'warehouse-sites-cli-'));
let db: TestDatabase;

function cli(args: string[], env: Record<string, string> = {}) {
  const clean = cleanEnv();
  const result = spawnSync(process.execPath, ['bin/warehouse.js', ...args], {
    env: { ...clean, WAREHOUSE_HOME: dir, DATABASE_URL: db.url, ...env }, encoding: 'utf8', timeout: 60_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

beforeAll(async () => {
  db = await testDatabase();
  const day = '2025-12-01';
  await publishDay(db, fixtureSource('ninjaone'), day, {
    aliases: [org('1', 'Harbour Dental Pty Ltd'), org('2', 'Smith & Jones')],
    devices: [device('n1', '1', { hostname: 'HD-WS-01' }), device('n2', '2', { hostname: 'SJ-WS-01' })],
  });
  await publishDay(db, fixtureSource('threatlocker'), day, {
    aliases: [org('t1', 'HARBOUR DENTAL'), org('t2', 'Smith Jones Lawyers')],
    devices: [device('t1', 't1', { hostname: 'HD-WS-01' }), device('t2', 't2', { hostname: 'SJ-WS-01' }), device('t3', 't1', { hostname: 'GHOST-PC' })],
  });
});
afterAll(async () => { await db.close(); });

inOrder('warehouse sites', () => {
  it('lists unmapped organisations with the reason and how to map them', () => {
    const { code, out } = cli(['sites', 'unmapped']);
    expect(code).toBe(EXIT.ok);
    expect(out).toMatch(/threatlocker\s+t2\s+Smith Jones Lawyers\s+1\s+current\s+no site matches "smith jones lawyers"/u);
    expect(out).toMatch(/warehouse sites map <source> <external-id> <site>/u);
  });

  it('refuses a mapping file with a bad line, naming it (exit 2)', () => {
    const file = path.join(dir, 'bad.csv');
    writeFileSync(file, '# sites\nthreatlocker,t2\n');
    const { code, err } = cli(['sites', 'list'], { WAREHOUSE_SITE_MAP: file });
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/WAREHOUSE_SITE_MAP: .*bad\.csv line 2: expected three fields/u);
  });

  it('refuses to contradict the mapping file', () => {
    const file = path.join(dir, 'sites.csv');
    writeFileSync(file, 'threatlocker,t2,Harbour Dental Pty Ltd\n');
    const { code, err } = cli(['sites', 'map', 'threatlocker', 't2', 'Smith & Jones'], { WAREHOUSE_SITE_MAP: file });
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/sites\.csv line 1 maps threatlocker t2 to "Harbour Dental Pty Ltd"/u);
    expect(err).toMatch(/change that line instead/u);
  });

  it('maps by hand and re-attributes the devices; an unknown site is a usage error', () => {
    const unknown = cli(['sites', 'map', 'threatlocker', 't2', 'Smith and Jones']);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.err).toMatch(/no site is named "Smith and Jones"\n→ Did you mean "Smith & Jones"\?/u);
    const { code, out } = cli(['sites', 'map', 'threatlocker', 't2', 'Smith & Jones']);
    expect(code).toBe(EXIT.ok);
    expect(out).toMatch(/threatlocker t2 "Smith Jones Lawyers" -> "Smith & Jones"\nre-attributed 1 device-days from 2025-12-01 to 2025-12-01/u);
    const list = cli(['sites', 'list']);
    expect(list.code).toBe(EXIT.ok);
    expect(list.out).toMatch(/Smith & Jones\s+1\s+1\s+0\s+1\s+1\s+1\s+1\s+0/u);
    const json = cli(['sites', 'list', '--json']);
    const sites = JSON.parse(json.out) as Array<Record<string, unknown>>;
    expect(sites.find((r) => r.site === 'Smith & Jones')).toMatchObject({ ninjaone_aliases: 1, threatlocker_aliases: 1, manual_aliases: 1, ninjaone_devices: 1, is_unmapped: false });
    expect(JSON.parse(cli(['sites', 'unmapped', '--json']).out)).toEqual(expect.any(Array));
  });
});

// The first refresh opens the finding the later tests list: a narrative.
inOrder('warehouse exceptions', () => {
  it('refreshes, lists and acknowledges findings', async () => {
    expect(cli(['exceptions', 'refresh']).out).toBe('as of 2025-12-01: 1 opened, 0 reopened, 0 resolved; 1 open, 0 acknowledged\n');
    const listed = cli(['exceptions', 'list']);
    expect(listed.code).toBe(EXIT.ok);
    expect(listed.out).toMatch(/Harbour Dental Pty Ltd\s+not_in_rmm\s+open\s+threatlocker\s+GHOST-PC\s+2025-12-01\s+2025-12-01/u);
    const [row] = await db.sql<{ id: number }[]>`select exception_id::int as id from core.exceptions`;
    const id = String(row?.id);
    const noNote = cli(['exceptions', 'ack', id]);
    expect(noNote.code).toBe(EXIT.usage);
    expect(noNote.err).toMatch(/exceptions ack needs --note/u);
    const acked = cli(['exceptions', 'ack', id, '--note', 'lab machine, never in the RMM']);
    expect(acked.code).toBe(EXIT.ok);
    expect(acked.out).toBe(`exception ${id} (not_in_rmm, GHOST-PC at Harbour Dental Pty Ltd) acknowledged\n`);
    expect(cli(['exceptions', 'list', '--status', 'acknowledged', '--kind', 'not_in_rmm']).out).toMatch(/acknowledged .*lab machine, never in the RMM/u);
  });

  it('refresh is incremental once it has state, and --full re-judges every device with the same findings', () => {
    cli(['exceptions', 'refresh']);
    const again = cli(['exceptions', 'refresh']);
    expect(again.code).toBe(EXIT.ok);
    expect(again.err).toMatch(/^incremental: 0 devices changed since the last refresh, 0 re-matched$/mu);
    const full = cli(['exceptions', 'refresh', '--full']);
    expect(full.code).toBe(EXIT.ok);
    expect(full.out).toBe(again.out);
    expect(full.err).toMatch(/^full re-judgement \(asked for \(--full\)\): \d+ devices$/mu);
  });

  it('--json lists the findings in full; a mistyped --site or --kind is a usage error with the near ones', () => {
    cli(['exceptions', 'refresh']);
    const listed = cli(['exceptions', 'list', '--json', '--site', 'harbour dental pty ltd']);
    expect(listed.code).toBe(EXIT.ok);
    const rows = JSON.parse(listed.out) as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r.site, r.kind, r.source, r.device, r.firstSeenOn])).toEqual([['Harbour Dental Pty Ltd', 'not_in_rmm', 'threatlocker', 'GHOST-PC', '2025-12-01']]);
    expect(String(rows[0]?.detail)).not.toMatch(/…$/u);
    const typo = cli(['exceptions', 'list', '--site', 'Harbor Dental']);
    expect([typo.code, typo.err]).toEqual([EXIT.usage, expect.stringMatching(/--site Harbor Dental: no such site\n→ Did you mean "Harbour Dental Pty Ltd"\?/u)]);
    const kind = cli(['exceptions', 'list', '--kind', 'no_threatlocke']);
    expect([kind.code, kind.err]).toEqual([EXIT.usage, expect.stringMatching(/--kind no_threatlocke is not a kind of finding\n→ Did you mean "no_threatlocker"\?/u)]);
  });

  it('a kind the CLI accepts is one bi.exceptions describes, and the other way round', () => {
    const view = readFileSync(new URL('../../views/bi/exceptions.sql', import.meta.url), 'utf8');
    const described = [...view.matchAll(/when '([a-z_]+)' then/gu)].map((m) => m[1]);
    expect([...described].sort()).toEqual([...KINDS].sort());
  });
});
