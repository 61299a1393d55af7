/**
 * The operator's site mapping file (WAREHOUSE_SITE_MAP): manual alias -> site mappings kept under
 * version control and read at every run. Manual mappings win over automatic ones; a bad line stops
 * the run with an error naming the file and the line, before anything is fetched.
 *
 *   # source[/instance],external id,site name
 *   threatlocker,4f1c2a9e-0b7d-4c55-9a57-2b1f0c8e7d11,Harbour Dental
 *   pmp,17,Harbour Dental
 *   pmp/branch-server,3,"Smith, Jones & Co"
 *
 * Everything after the second comma is the site name (commas allowed; surrounding double quotes are
 * removed). A site named there that does not exist yet is created, so the file alone can rebuild
 * every manual mapping in an empty warehouse.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ConfigReader } from '../config.js';
import { ConfigError } from '../errors.js';

export const SITE_MAP_KEY = 'WAREHOUSE_SITE_MAP';

/** Source names (DESIGN.md §2). Listed here because warehouse/ never imports collectors/. */
const SOURCES = ['ninjaone', 'threatlocker', 'pmp'] as const;

/** The explicit site that holds devices of unmapped aliases: not a mapping target. */
export const UNMAPPED_SITE_NAME = '(unmapped)';

export interface SiteMapEntry {
  source: string;
  instance: string;
  externalId: string;
  site: string;
  /** Where the entry came from, for notes and errors: the file and its 1-based line. */
  file: string;
  line: number;
}

/** `ninjaone` or `pmp/branch-server` -> { source, instance }; null when the source is unknown. */
export function parseSourceRef(value: string): { source: string; instance: string } | null {
  const [source = '', instance = 'default', ...rest] = value.trim().split('/');
  if (rest.length > 0 || instance.trim() === '' || !(SOURCES as readonly string[]).includes(source)) return null;
  return { source, instance: instance.trim() };
}

export function parseSiteMap(text: string, file: string): SiteMapEntry[] {
  const entries: SiteMapEntry[] = [];
  const seen = new Map<string, number>();
  let first = true;
  const fail = (line: number, problem: string): never => {
    throw new ConfigError(SITE_MAP_KEY, `${file} line ${line}: ${problem}`,
      'Fix that line: `source[/instance],external id,site name` (lines starting with # are comments).');
  };
  text.split(/\r?\n/u).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const isFirst = first;
    first = false;
    const comma1 = trimmed.indexOf(',');
    const comma2 = comma1 < 0 ? -1 : trimmed.indexOf(',', comma1 + 1);
    if (comma2 < 0) fail(line, 'expected three fields separated by commas');
    const sourceField = trimmed.slice(0, comma1).trim();
    const externalId = trimmed.slice(comma1 + 1, comma2).trim();
    const site = unquote(trimmed.slice(comma2 + 1).trim());
    // An optional header line, as spreadsheets write it.
    if (isFirst && sourceField.toLowerCase() === 'source') return;
    const ref = parseSourceRef(sourceField);
    if (!ref) fail(line, `unknown source "${sourceField}" (expected ${SOURCES.join(', ')}, optionally /instance)`);
    if (externalId === '') fail(line, 'the external id is empty');
    if (site === '') fail(line, 'the site name is empty');
    if (site === UNMAPPED_SITE_NAME) fail(line, `"${UNMAPPED_SITE_NAME}" is not a site a mapping can name`);
    const { source, instance } = ref as { source: string; instance: string };
    const key = `${source}/${instance}\u0000${externalId.toLowerCase()}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) fail(line, `${source} ${externalId} is already mapped on line ${earlier}`);
    seen.set(key, line);
    entries.push({ source, instance, externalId, site, file, line });
  });
  return entries;
}

/** The entries of the file named by WAREHOUSE_SITE_MAP; none when the key is unset. */
export function loadSiteMap(reader: ConfigReader): SiteMapEntry[] {
  const file = reader.get(SITE_MAP_KEY);
  if (file === undefined) return [];
  if (!existsSync(file)) {
    throw new ConfigError(SITE_MAP_KEY, `the site mapping file ${file} does not exist`, `Create it, or unset ${SITE_MAP_KEY}.`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(SITE_MAP_KEY, `cannot read ${file}: ${(error as Error).message}`, 'Make the file readable by the warehouse user.');
  }
  return parseSiteMap(text, file);
}

/** The entry for one alias, if the file has one. */
export function entryFor(entries: readonly SiteMapEntry[], source: string, instance: string, externalId: string): SiteMapEntry | undefined {
  const id = externalId.toLowerCase();
  return entries.find((e) => e.source === source && e.instance === instance && e.externalId.toLowerCase() === id);
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1).replaceAll('""', '"').trim();
  return value;
}
