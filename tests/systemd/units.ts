/**
 * Just enough of systemd to run rendered units without it: parse unit files, resolve specifiers,
 * build a service's environment (EnvironmentFile=, Environment=, LoadCredential= from a credstore)
 * and run its ExecStartPre= / ExecStart= lines in order. Paths in the units are read under a root
 * (the install prefix), the way `warehouse systemd install --prefix` stages them.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { clockEnv } from '../helpers/clock.js';

export type Unit = Map<string, Array<[string, string]>>;

export function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section = '';
  const lines = text.replace(/\\\n/gu, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/u.exec(line);
    if (header?.[1]) {
      section = header[1];
      if (!unit.has(section)) unit.set(section, []);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`not KEY=VALUE: ${line}`);
    unit.get(section)?.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return unit;
}

export function values(unit: Unit, section: string, key: string): string[] {
  return (unit.get(section) ?? []).filter(([k]) => k === key).map(([, v]) => v);
}

export function value(unit: Unit, section: string, key: string): string | undefined {
  return values(unit, section, key).at(-1);
}

/** The specifiers the warehouse units use; anything else is an error (so a typo cannot pass). */
export function specifiers(text: string, name: string, stateDir: string): string {
  const at = name.indexOf('@');
  const dot = name.lastIndexOf('.');
  const map: Record<string, string> = {
    i: at >= 0 ? name.slice(at + 1, dot) : '',
    n: name,
    N: name.slice(0, dot),
    p: at >= 0 ? name.slice(0, at) : name.slice(0, dot),
    S: stateDir,
    H: 'testhost',
    '%': '%',
  };
  return text.replace(/%(.)/gu, (_, c: string) => {
    const v = map[c];
    if (v === undefined) throw new Error(`unsupported specifier %${c} in ${name}`);
    return v;
  });
}

/** systemd's command-line splitting: quotes, `$$` for a literal dollar, `${VAR}` / `$VAR` expanded. */
export function splitCommand(line: string, env: Record<string, string>): { ignoreFailure: boolean; argv: string[] } {
  let rest = line;
  let ignoreFailure = false;
  while (/^[-@+!:]/u.test(rest)) {
    if (rest[0] === '-') ignoreFailure = true;
    rest = rest.slice(1);
  }
  const argv: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/gu;
  for (const m of rest.matchAll(re)) {
    const word = m[1] ?? m[2] ?? m[3] ?? '';
    argv.push(word.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/gu, (all, a?: string, b?: string) => (all === '$$' ? '$' : env[(a ?? b) as string] ?? '')));
  }
  return { ignoreFailure, argv };
}

/** EnvironmentFile= syntax as the warehouse's example uses it: KEY=VALUE, # comments, optional quotes. */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^([A-Za-z_]\w*)=(.*)$/u.exec(line);
    if (!m?.[1]) continue;
    const v = m[2] ?? '';
    env[m[1]] = /^(["']).*\1$/u.test(v) ? v.slice(1, -1) : v;
  }
  return env;
}

export interface RunOptions {
  /** The install prefix: unit files under ROOT/etc/systemd/system, EnvironmentFile= and the credstore under ROOT. */
  root: string;
  /** Environment systemd itself would give (PATH, ...). */
  baseEnv: Record<string, string>;
  stateDir: string;
  /** Extra environment as systemd passes to OnFailure= units (MONITOR_*). */
  extraEnv?: Record<string, string>;
}

export interface StepResult { line: string; argv: string[]; status: number | null; stdout: string; stderr: string }

export function loadUnit(root: string, name: string): Unit {
  const dir = path.join(root, 'etc/systemd/system');
  const at = name.indexOf('@');
  const file = existsSync(path.join(dir, name)) ? name : `${name.slice(0, at + 1)}${name.slice(name.lastIndexOf('.'))}`;
  return parseUnit(readFileSync(path.join(dir, file), 'utf8'));
}

/** The environment systemd would build for `name`, and the credentials it would load. */
export function serviceEnvironment(name: string, options: RunOptions): Record<string, string> {
  const unit = loadUnit(options.root, name);
  const env: Record<string, string> = { ...options.baseEnv };
  for (const assignment of values(unit, 'Service', 'Environment')) {
    const resolved = specifiers(assignment, name, options.stateDir);
    const eq = resolved.indexOf('=');
    env[resolved.slice(0, eq)] = resolved.slice(eq + 1);
  }
  // EnvironmentFile= wins over Environment= (systemd.exec).
  for (const file of values(unit, 'Service', 'EnvironmentFile')) {
    const optional = file.startsWith('-');
    const onDisk = path.join(options.root, specifiers(optional ? file.slice(1) : file, name, options.stateDir));
    if (!existsSync(onDisk)) {
      if (optional) continue;
      throw new Error(`${name}: EnvironmentFile ${onDisk} is missing`);
    }
    Object.assign(env, parseEnvironmentFile(readFileSync(onDisk, 'utf8')));
  }
  const credentials = values(unit, 'Service', 'LoadCredential').map((id) => specifiers(id, name, options.stateDir));
  if (credentials.length > 0) {
    const dir = mkdtempSync(path.join(tmpdir(), 'creds-'));
    for (const id of credentials) {
      if (id.includes(':')) throw new Error(`${name}: LoadCredential=${id} names a path; the units use the credstore`);
      const source = path.join(options.root, 'etc/credstore', id);
      if (existsSync(source)) copyFileSync(source, path.join(dir, id)); // a missing one is skipped, as systemd does
    }
    env.CREDENTIALS_DIRECTORY = dir;
  }
  return { ...env, ...(options.extraEnv ?? {}) };
}

/**
 * One command, asynchronously: the simulators a command talks to may live in the calling process.
 * The child keeps this process's clock (libfaketime), whatever environment the unit gives it.
 */
export function runCommand(argv: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { env: { ...clockEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Run ExecStartPre= then ExecStart= in order; stops at the first failure, as systemd does. */
export async function runService(name: string, options: RunOptions): Promise<StepResult[]> {
  const unit = loadUnit(options.root, name);
  const env = serviceEnvironment(name, options);
  mkdirSync(options.stateDir, { recursive: true });
  const steps: StepResult[] = [];
  for (const key of ['ExecStartPre', 'ExecStart']) {
    for (const line of values(unit, 'Service', key)) {
      const { ignoreFailure, argv } = splitCommand(specifiers(line, name, options.stateDir), env);
      const result = await runCommand(argv, env);
      steps.push({ line, argv, ...result });
      if (result.status !== 0 && !ignoreFailure) return steps;
    }
  }
  return steps;
}

export const hasSystemdAnalyze = (() => {
  try {
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
