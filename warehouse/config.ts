/**
 * Configuration, resolved once per process from fixed keys (DESIGN.md §5). Precedence, highest first:
 *   1. a file named after the key in lower case in $CREDENTIALS_DIRECTORY (systemd LoadCredential=), secrets only
 *   2. the process environment
 *   3. the optional config file named by WAREHOUSE_CONFIG (KEY=VALUE lines, systemd EnvironmentFile syntax)
 *   4. defaults
 * Every error names the key and the fix. Nothing else in the project reads process.env.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { readKey, timeZone, type KeyReader } from './config-keys.js';
import { SOURCE_NAMES, WAREHOUSE_KEY_TABLE as KEY } from './config-table.js';
import { ConfigError } from './errors.js';
import { registerSecret } from './redact.js';
import { todayIn, type DayBounds } from './time.js';

export type Env = Record<string, string | undefined>;

/**
 * Where configuration values come from; sources read their keys through it (by declaration, see
 * readKey in warehouse/config-keys.ts). `secret`: the key is a secret, which may also come from
 * $CREDENTIALS_DIRECTORY and is registered for redaction.
 */
export type ConfigReader = KeyReader;

/**
 * Every key the warehouse itself reads, from its declarations (warehouse/config-table.ts; the sources
 * declare theirs in collectors/<source>/config.ts, see collectors/registry.ts knownConfigKeys()). A key
 * with a warehouse prefix that is in neither list is a typo the operator is warned about;
 * tests/faults/config-keys.test.ts holds the code to these lists.
 */
export const WAREHOUSE_KEYS: readonly string[] = Object.values(KEY).map((key) => key.name);

/**
 * Prefixes of the warehouse's keys; only keys with one of these can be typos of ours. Derived from
 * the key tables' naming: the warehouse's own keys are WAREHOUSE_*, each source's <SOURCE>_*
 * (DATABASE_URL is the one key without a prefix); tests/unit/config-keys.test.ts holds every
 * declared key to them.
 */
export const KEY_PREFIXES: readonly string[] = ['WAREHOUSE_', ...SOURCE_NAMES.map((source) => `${source.toUpperCase()}_`)];

/** A key as set by the operator, and where: the environment or the config file. */
export interface PresentKey { key: string; from: string }

/**
 * The keys with a warehouse prefix set in the environment and the config file. A config file that
 * cannot be read or parsed contributes nothing here: loading the configuration reports it.
 */
export function presentKeys(env: Env): PresentKey[] {
  const ours = (key: string) => KEY_PREFIXES.some((prefix) => key.startsWith(prefix));
  const out: PresentKey[] = Object.keys(env).filter((key) => ours(key) && env[key] !== undefined).map((key) => ({ key, from: 'the environment' }));
  const file = env.WAREHOUSE_CONFIG;
  if (file) {
    try {
      for (const key of Object.keys(parseConfigFile(readFileSync(file, 'utf8'), file))) if (ours(key)) out.push({ key, from: file });
    } catch {
      // reported by createReader()
    }
  }
  return out;
}

export { SOURCE_NAMES, type SourceName } from './config-table.js';
import type { SourceName } from './config-table.js';

export interface WarehouseConfig {
  /** Set: use this PostgreSQL. Unset: the embedded default database in `home`. */
  databaseUrl: string | undefined;
  home: string;
  timeZone: string;
  /** `warehouse status` fails when a source's last success is older than this. */
  staleAfterHours: number;
  /** Where to write Prometheus text-file metrics after each run; unset = off. */
  metricsFile: string | undefined;
  /** The source whose organisations create canonical sites (the RMM, the system of record for clients). */
  siteSource: SourceName;
  /** Keep raw vendor pages (on unless WAREHOUSE_RAW_PAGES=off); undefined when not set. */
  rawPages: 'on' | 'off' | undefined;
  /** Refuse a run when more than this share of a stream's records was quarantined. */
  quarantineMaxShare: number;
  /** Give a collection up after this long. */
  runTimeoutMs: number;
  /** No snapshot day (--date, --from, --to) before this one is accepted. */
  earliestDay: string;
  reader: ConfigReader;
}

/** Parse KEY=VALUE lines; `#` comments; optional quotes. A bad line is an error naming its number. */
export function parseConfigFile(text: string, file: string): Env {
  const out: Env = {};
  text.split(/\r?\n/u).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Z][A-Z0-9_]*)\s*=\s*(.*)$/u.exec(trimmed);
    if (!match) {
      throw new ConfigError('WAREHOUSE_CONFIG', `${file} line ${index + 1} is not KEY=VALUE`, 'Fix or remove that line (comments start with #).');
    }
    let value = match[2] ?? '';
    if (/^(["']).*\1$/u.test(value)) value = value.slice(1, -1);
    out[match[1] as string] = value;
  });
  return out;
}

/** Build the reader that sources and the warehouse use to look up keys, with the precedence above. */
export function createReader(env: Env): ConfigReader {
  let fileValues: Env = {};
  const configFile = env.WAREHOUSE_CONFIG;
  if (configFile) {
    if (!existsSync(configFile)) {
      throw new ConfigError('WAREHOUSE_CONFIG', `the config file ${configFile} does not exist`, 'Point WAREHOUSE_CONFIG at an existing KEY=VALUE file, or unset it.');
    }
    fileValues = parseConfigFile(readFileSync(configFile, 'utf8'), configFile);
  }
  const credentialsDir = env.CREDENTIALS_DIRECTORY;
  return {
    get(key: string, options?: { secret?: boolean }): string | undefined {
      const secret = options?.secret === true;
      let value: string | undefined;
      if (credentialsDir && secret) {
        const file = path.join(credentialsDir, key.toLowerCase());
        if (existsSync(file)) value = readFileSync(file, 'utf8').trim();
      }
      value ??= env[key] ?? fileValues[key];
      if (value !== undefined && value.trim() === '') value = undefined;
      if (value !== undefined && secret) registerSecret(value);
      return value;
    },
  };
}

export function validateDatabaseUrl(value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError('DATABASE_URL', 'is not a valid URL', 'Use postgres://user:password@host:5432/dbname, or unset DATABASE_URL to use the embedded database.');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL', `has scheme "${parsed.protocol.replace(/:$/u, '')}", expected postgres`, 'Use postgres://user:password@host:5432/dbname.');
  }
  if (parsed.pathname.length <= 1) {
    throw new ConfigError('DATABASE_URL', 'names no database', 'Add the database name: postgres://user@host:5432/warehouse.');
  }
  if (parsed.password) registerSecret(decodeURIComponent(parsed.password));
  return value;
}

export function validateTimeZone(value: string): string {
  return timeZone(KEY.timeZone.name, value);
}

/** The days a snapshot may name, today being today in the MSP's time zone. */
export function dayBounds(config: Pick<WarehouseConfig, 'timeZone' | 'earliestDay'>): DayBounds {
  return { today: todayIn(config.timeZone), timeZone: config.timeZone, earliest: config.earliestDay, earliestKey: 'WAREHOUSE_EARLIEST_DAY' };
}

/** The embedded database lives in WAREHOUSE_HOME: it must be, or be creatable as, a directory. */
export function checkHomeUsable(home: string): void {
  let probe = home;
  while (!existsSync(probe)) {
    const parent = path.dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  if (existsSync(probe) && !statSync(probe).isDirectory()) {
    throw new ConfigError('WAREHOUSE_HOME', `${home} cannot be a directory (${probe} is a file)`, 'Point WAREHOUSE_HOME at a directory the warehouse may create and own, or unset it (default ./.warehouse).');
  }
}

export function loadWarehouseConfig(env: Env, cwd = process.cwd()): WarehouseConfig {
  const reader = createReader(env);
  const databaseUrl = readKey(reader, KEY.databaseUrl);
  return Object.freeze({
    databaseUrl: databaseUrl === undefined ? undefined : validateDatabaseUrl(databaseUrl),
    home: path.resolve(cwd, readKey(reader, KEY.home)),
    timeZone: readKey(reader, KEY.timeZone) ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    staleAfterHours: readKey(reader, KEY.staleHours),
    metricsFile: readKey(reader, KEY.metricsFile),
    siteSource: readKey(reader, KEY.siteSource),
    rawPages: readKey(reader, KEY.rawPages),
    quarantineMaxShare: readKey(reader, KEY.quarantineMaxPercent) / 100,
    runTimeoutMs: readKey(reader, KEY.runTimeout),
    earliestDay: readKey(reader, KEY.earliestDay),
    reader,
  });
}
