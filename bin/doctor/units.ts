/**
 * The installed systemd units, if any: the paths they run from must be visible inside their sandbox.
 * PrivateTmp=yes gives a service its own empty /tmp, and ProtectHome=yes hides /home, /root and
 * /run/user, so a checkout, node or WAREHOUSE_HOME under those is not there when the timer fires.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UNIT_DIR } from '../systemd/render.js';
import { EXIT } from '../../warehouse/errors.js';
import { ok, skip, type Check } from './check.js';

const UNIT = 'warehouse-collect@.service';

/** Why a path is invisible to a unit with this sandboxing, or undefined when it is visible. */
export function hiddenBySandbox(file: string, unitText: string): string | undefined {
  const on = (key: string) => new RegExp(`^${key}=(yes|true|strict|read-only|tmpfs)$`, 'mu').test(unitText);
  if (/^\/(tmp|var\/tmp)(\/|$)/u.test(file) && on('PrivateTmp')) return 'PrivateTmp=yes gives the service its own empty /tmp';
  if (/^\/(home|root|run\/user)(\/|$)/u.test(file) && /^ProtectHome=(yes|true|tmpfs)$/mu.test(unitText)) return 'ProtectHome=yes hides it from the service';
  return undefined;
}

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
  const problems = unitPaths(text).flatMap((p) => {
    const why = hiddenBySandbox(p, text);
    return why ? [`${p}: ${why}`] : [];
  });
  if (problems.length === 0) return [ok('systemd units', `${file}: every path it runs from is visible to the service`)];
  return [{ name: 'systemd units', status: 'fail', detail: problems.join('; '), fix: 'Move the checkout (and WAREHOUSE_HOME) under /opt or /srv, then re-run `warehouse systemd install`.', exitCode: EXIT.usage }];
}
