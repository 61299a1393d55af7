/** The installed systemd units, if any: the paths they run from must be visible inside their sandbox. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UNIT_DIR } from '../systemd/render.js';
import { EXIT } from '../../warehouse/errors.js';
import { hiddenBySandbox, sandboxOf } from '../systemd/sandbox.js';
import { ok, skip, type Check } from './check.js';

const UNIT = 'warehouse-collect@.service';

/** Absolute paths a unit names: ExecStart's program and script, WorkingDirectory, EnvironmentFile, WAREHOUSE_HOME. */
export function unitPaths(unitText: string): string[] {
  const found = new Set<string>();
  for (const line of unitText.split('\n')) {
    const m = /^(ExecStart|ExecStartPre|WorkingDirectory|EnvironmentFile|Environment)=(.*)$/u.exec(line.trim());
    if (!m) continue;
    for (const word of (m[2] as string).split(/\s+/u)) {
      const value = word.replace(/^-|^"|"$/gu, '').replace(/^WAREHOUSE_HOME=/u, '');
      if (value.startsWith('/') && !value.includes('%')) found.add(value);
    }
  }
  return [...found];
}

export function checkUnits(root = '/'): Check[] {
  const file = path.join(root, UNIT_DIR, UNIT);
  if (!existsSync(file)) return [skip('systemd units', `not installed (${file})`)];
  const text = readFileSync(file, 'utf8');
  const sandbox = sandboxOf(text);
  const problems = unitPaths(text).flatMap((p) => {
    const why = hiddenBySandbox(p, sandbox);
    return why ? [`${p}: ${why}`] : [];
  });
  if (problems.length === 0) return [ok('systemd units', `${file}: every path it runs from is visible to the service`)];
  return [{ name: 'systemd units', status: 'fail', detail: problems.join('; '), fix: 'Move the checkout (and WAREHOUSE_HOME) under /opt or /srv, then re-run `warehouse systemd install`.', exitCode: EXIT.usage }];
}
