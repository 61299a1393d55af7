/**
 * Render the unit templates in systemd/ with the installed paths: the node binary, this checkout's
 * bin/warehouse.js, the config file and the MSP's time zone. Pure apart from reading the templates,
 * so `--dry-run`, the installer and the tests see exactly the same text.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SOURCES } from '../../collectors/registry.js';
import { UsageError } from '../../warehouse/errors.js';
import { checkoutDir } from '../checkout.js';

/** The repository root (its systemd/ templates and bin/warehouse.js), from sources or from dist/ alike. */
export const CHECKOUT = checkoutDir();

export const UNIT_DIR = 'etc/systemd/system';
export const DEFAULT_CONFIG = '/etc/warehouse/warehouse.env';
/** systemd's own credential store: LoadCredential=<id> with no path looks here. */
export const CREDSTORE = '/etc/credstore';

/** Installed as they are named; templates (`@.`) are instantiated per source or per failed unit. */
export const UNIT_FILES = [
  'warehouse-collect@.service',
  'warehouse-collect@.timer',
  'warehouse-rollup.service',
  'warehouse-rollup.timer',
  'warehouse-retention.service',
  'warehouse-retention.timer',
  'warehouse-notify@.service',
  'warehouse-serve.service',
] as const;

export interface RenderOptions {
  /** Absolute path of the node binary the units run. */
  node: string;
  /** Absolute path of bin/warehouse.js. */
  warehouse: string;
  /** The checkout (for Documentation= links). */
  checkout: string;
  /** The EnvironmentFile= path as the units see it. */
  config: string;
  /** IANA time zone for OnCalendar=. */
  timeZone: string;
}

export interface RenderedFile {
  /** Relative to the install root, e.g. etc/systemd/system/warehouse-rollup.service. */
  path: string;
  content: string;
  mode: number;
}

export const collectUnits = (): string[] => Object.keys(SOURCES).map((source) => `warehouse-collect@${source}.service`);

/** Secret config keys in lower case: the credential file names LoadCredential= expects. */
export const credentialNames = (): string[] => Object.values(SOURCES).flatMap((source) => source.keys.secrets.map((key) => key.toLowerCase()));

/**
 * Unit files split arguments on whitespace, expand `%` specifiers and `$` variables, and treat quotes
 * and backslashes specially; a path with any of those would be mangled, so it is refused.
 */
export function checkUnitPath(value: string, what: string): string {
  if (!path.isAbsolute(value)) throw new UsageError(`${what} ${value} is not an absolute path`, 'Give an absolute path.');
  if (/[\s%$"'\\;]/u.test(value)) {
    throw new UsageError(`${what} ${value} contains a character unit files treat specially (space, %, $, quote, backslash or ;)`,
      'Install the checkout (and node) under a plain path such as /opt/warehouse.');
  }
  return value;
}

export async function renderUnits(options: RenderOptions): Promise<RenderedFile[]> {
  const sandbox = await readFile(path.join(CHECKOUT, 'systemd', 'sandbox.conf'), 'utf8');
  const values: Record<string, string> = {
    node: checkUnitPath(options.node, 'the node binary'),
    warehouse: checkUnitPath(options.warehouse, 'bin/warehouse.js'),
    checkout: checkUnitPath(options.checkout, 'the checkout'),
    config: checkUnitPath(options.config, 'the config file'),
    timezone: options.timeZone,
    collect_units: collectUnits().join(' '),
    sandbox: `\n${sandbox.trimEnd()}`,
  };
  const files: RenderedFile[] = [];
  for (const name of UNIT_FILES) {
    const template = await readFile(path.join(CHECKOUT, 'systemd', name), 'utf8');
    files.push({ path: `${UNIT_DIR}/${name}`, content: fill(template, values, name), mode: 0o644 });
  }
  return files;
}

function fill(template: string, values: Record<string, string>, name: string): string {
  return template.replace(/\{\{(\w+)\}\}/gu, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`systemd/${name}: unknown placeholder {{${key}}}`);
    return value;
  });
}

/** A starting config file, written only when none exists: every key commented out. */
export function exampleConfig(timeZone: string): string {
  const vendorKeys = Object.values(SOURCES).map((source) => {
    const secrets = new Set(source.keys.secrets);
    const keys = [...source.keys.required, ...source.keys.optional].filter((key) => !secrets.has(key));
    return `# ${source.name}: ${keys.map((key) => `${key}=`).join(' ')}\n#   secrets as files in ${CREDSTORE}/: ${source.keys.secrets.map((key) => key.toLowerCase()).join(', ')}`;
  });
  return `# Warehouse settings for the systemd units (EnvironmentFile=). Mode 0600, owner root: systemd reads
# it before dropping privileges. Secrets do not belong here: put each in ${CREDSTORE}/<name> (0600 root).
# A source with none of its keys set is not collected; one half set is an error naming the key.

# Production: a PostgreSQL 14+ (unset = the embedded database in /var/lib/warehouse, for trials only).
#DATABASE_URL=postgres://warehouse_writer:password@db.internal:5432/warehouse
WAREHOUSE_TIMEZONE=${timeZone}
# A command run with the failure message on stdin and in $WAREHOUSE_NOTIFY_MESSAGE, e.g. a webhook:
# (single quotes keep the value literal for systemd).
#WAREHOUSE_NOTIFY_COMMAND='curl -fsS --data-urlencode "text@-" https://hooks.example.com/services/T000/B000/XXXX'

${vendorKeys.join('\n')}
`;
}
