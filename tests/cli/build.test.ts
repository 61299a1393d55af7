/**
 * The compiled CLI: `node bin/build.js` (npm's `prepare`) turns a checkout's sources into dist/, the
 * launcher runs dist while it matches the sources, and falls back to the TypeScript once a source
 * changes, so a developer never runs stale code. Built in a copy of the checkout, never in this one.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cleanEnv } from '../helpers/env.js';
import { inOrder } from '../helpers/in-order.js';
import { ROOT } from '../operator/cli.js';

const copy = mkdtempSync(path.join(tmpdir(), 'warehouse-build-'));
const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function node(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, args, { cwd: copy, env: { ...cleanEnv(), ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

beforeAll(() => {
  for (const dir of ['bin', 'collectors', 'warehouse', 'rollups', 'views', 'systemd']) cpSync(path.join(ROOT, dir), path.join(copy, dir), { recursive: true });
  cpSync(path.join(ROOT, 'package.json'), path.join(copy, 'package.json'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  const built = node(['bin/build.js']);
  expect(built.code, built.err).toBe(0);
}, 120_000);

afterAll(() => rmSync(copy, { recursive: true, force: true }));

inOrder('the compiled CLI and its fallback', () => {
  it('dist holds JavaScript for every module and the SQL and migrations the code reads beside it', () => {
    expect(readFileSync(path.join(copy, 'dist/bin/cli.js'), 'utf8')).not.toMatch(/: Promise<number>/u);
    expect(readFileSync(path.join(copy, 'dist/warehouse/migrations/meta/_journal.json'), 'utf8')).toMatch(/entries/u);
    expect(spawnSync('sh', ['-c', 'ls dist/views/bi/*.sql | wc -l'], { cwd: copy, encoding: 'utf8' }).stdout.trim()).not.toBe('0');
  });

  it('the compiled CLI answers --version and --help on its own', () => {
    const v = node(['dist/bin/cli.js', '--version']);
    expect(v).toMatchObject({ code: 0, out: `${version}\n` });
    const help = node(['dist/bin/cli.js', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/usage: warehouse <verb>/u);
    const verbHelp = node(['dist/bin/cli.js', 'help', 'collect']);
    expect(verbHelp.code).toBe(0);
    expect(verbHelp.out).toMatch(/usage: warehouse collect/u);
  });

  it('bin/warehouse.js runs dist while it was built from these very sources', () => {
    // Mark the compiled entry (dist is no source: the stamp still matches) to see which one ran.
    const entry = path.join(copy, 'dist/bin/cli.js');
    writeFileSync(entry, `process.stderr.write('ran dist\\n');\n${readFileSync(entry, 'utf8')}`);
    const run = node(['bin/warehouse.js', '--version']);
    expect(run).toMatchObject({ code: 0, out: `${version}\n` });
    expect(run.err).toMatch(/ran dist/u);
    expect(node(['bin/warehouse.js', '--version'], { WAREHOUSE_FROM_SOURCES: '1' }).err).not.toMatch(/ran dist/u);
  });

  it('once a source changes, bin/warehouse.js runs the sources instead of the stale dist', () => {
    const source = path.join(copy, 'bin/cli.ts');
    appendFileSync(source, "\nprocess.stderr.write('ran sources\\n');\n");
    const run = node(['bin/warehouse.js', '--version']);
    expect(run.code).toBe(0);
    expect(run.err).toMatch(/ran sources/u);
    expect(run.err).not.toMatch(/ran dist/u);
    // Rebuilt, dist has the edit and runs again; then a touch alone (same bytes, e.g. a branch switched
    // and back) is enough to distrust it.
    expect(node(['bin/build.js']).code).toBe(0);
    expect(node(['bin/warehouse.js', '--version']).err).toMatch(/ran sources/u);
    const later = new Date(Date.now() + 5_000);
    utimesSync(path.join(copy, 'warehouse/errors.ts'), later, later);
    writeFileSync(path.join(copy, 'dist/bin/cli.js'), "process.stderr.write('stale dist\\n');\n");
    expect(node(['bin/warehouse.js', '--version']).err).not.toMatch(/stale dist/u);
  });
});
