/**
 * A collect never loads simulator code: each vendor's simulator (with the shared estate, thousands of
 * lines) is imported only when a simulator is started, so `warehouse collect` and `nightly` neither
 * read nor, from the sources, transpile it. A child node process runs the sources through tsx with a
 * module hook that records every file it loads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { cleanEnv } from '../helpers/env.js';
import { ROOT } from '../operator/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'warehouse-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(path.join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:')) appendFileSync(process.env.LOADED_MODULES_LOG, url + '\\n');
  return nextLoad(url, context);
}
`);
writeFileSync(path.join(dir, 'record.mjs'), `import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});
`);

/** The repository files (relative paths) a child process loads while running `script` (an ES module body). */
function modulesLoadedBy(name: string, script: string): string[] {
  const log = path.join(dir, `${name}.log`);
  writeFileSync(log, '');
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--import', path.join(dir, 'record.mjs'), '--input-type=module', '-e', script], {
    cwd: ROOT, env: { ...cleanEnv(), LOADED_MODULES_LOG: log }, encoding: 'utf8', timeout: 60_000,
  });
  expect(result.status, result.stderr).toBe(0);
  const root = `${pathToFileURL(ROOT).href}/`;
  return readFileSync(log, 'utf8').split('\n')
    .filter((url) => url.startsWith(root) && !url.includes('/node_modules/'))
    .map((url) => url.slice(root.length));
}

const isSimulatorCode = (file: string) => /^collectors\/(?:[a-z]+\/simulator\/|simulation\/)/u.test(file);

it('loading collect (the verb, the source registry and the runner) loads no simulator module', () => {
  const loaded = modulesLoadedBy('collect', `await import('./bin/commands/collect.ts');`);
  // The hook sees the vendor folders the registry imports: an empty list below means something.
  expect(loaded).toEqual(expect.arrayContaining(['collectors/registry.ts', 'collectors/ninjaone/index.ts', 'collectors/pmp/client.ts']));
  expect(loaded.filter(isSimulatorCode)).toEqual([]);
});

it('a simulator started through the registry loads its code then', () => {
  const loaded = modulesLoadedBy('simulate', `
    const { SOURCES } = await import('./collectors/registry.ts');
    const simulator = await SOURCES.pmp.simulator({ devices: 3, seed: 1, date: '2026-03-02' });
    await simulator.close();`);
  expect(loaded).toEqual(expect.arrayContaining(['collectors/pmp/simulator/index.ts']));
  expect(loaded.filter((file) => file.startsWith('collectors/ninjaone/simulator/'))).toEqual([]);
});
