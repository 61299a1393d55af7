/**
 * One declaration per configuration key: the README's key tables are exactly what the declarations
 * render (`npm run docs:keys` rewrites them), they list every key the warehouse knows and no other,
 * and the sources' key lists are the ones their tables derive.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readmeMarkers, renderReadme } from '../../bin/config-docs.js';
import { knownConfigKeys, SOURCES } from '../../collectors/registry.js';
import { readKey } from '../../warehouse/config-keys.js';
import { SOURCE_NAMES, WAREHOUSE_KEY_TABLE } from '../../warehouse/config-table.js';
import { KEY_PREFIXES } from '../../warehouse/config.js';
import { ConfigError } from '../../warehouse/errors.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const reader = (values: Record<string, string>) => ({ get: (key: string) => values[key] });

describe('the README key tables', () => {
  it('are what the declarations render (run `npm run docs:keys` after changing one)', () => {
    expect(renderReadme(readme)).toBe(readme);
  });

  it('hold the warehouse\'s keys, each source\'s and the internal ones', () => {
    expect(readmeMarkers(readme)).toEqual(['warehouse', ...Object.keys(SOURCES), 'internal']);
  });

  it('list every known key once, and nothing else', () => {
    const listed = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gmu)].map((match) => match[1]);
    expect([...listed].sort()).toEqual([...knownConfigKeys()].sort());
  });

  it('name, outside the tables too, only keys the tables declare (a typo shown as an example of one aside)', () => {
    const known = new Set(knownConfigKeys());
    const prose = readme.replace(/unknown key [A-Z0-9_]+/gu, '');
    const named = [...new Set(prose.match(/\b[A-Z][A-Z0-9_]*_[A-Z0-9]+\b/gu) ?? [])].filter((word) => KEY_PREFIXES.some((prefix) => word.startsWith(prefix)));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((word) => !known.has(word)), 'keys the README names that no key table declares').toEqual([]);
  });

  it('show each key\'s default as declared', () => {
    const row = (key: string) => readme.split('\n').find((line) => line.startsWith(`| \`${key}\` |`));
    expect(row('WAREHOUSE_RETENTION_DAILY_DAYS')).toContain('| 1 to 100000 | 65 |');
    expect(row('NINJAONE_PAGE_SIZE')).toContain('| 1 to 10000 | 1000 |');
    expect(row('PMP_BASE_URL')).toContain('| **required** |');
  });
});

describe('the sources\' key lists', () => {
  it.each(Object.values(SOURCES).map((source) => [source.name, source] as const))('%s: required, optional and secrets come from its table', (_, source) => {
    const declared = source.keys.declared;
    expect([...source.keys.required, ...source.keys.optional].sort()).toEqual(declared.map((key) => key.name).sort());
    expect(source.keys.secrets).toEqual(declared.filter((key) => key.secret).map((key) => key.name));
    expect(source.keys.required).toEqual(declared.filter((key) => key.required).map((key) => key.name));
  });
});

describe('KEY_PREFIXES (what an unknown key is checked for being a typo of ours)', () => {
  it('covers every declared key but DATABASE_URL, and each prefix is used', () => {
    const keys = knownConfigKeys();
    expect(keys.filter((key) => !KEY_PREFIXES.some((prefix) => key.startsWith(prefix))), 'declared keys without a prefix').toEqual(['DATABASE_URL']);
    expect(KEY_PREFIXES.filter((prefix) => !keys.some((key) => key.startsWith(prefix))), 'prefixes no declared key has').toEqual([]);
  });

  it('gives each source its own prefix, which its keys carry', () => {
    for (const source of SOURCE_NAMES) {
      const prefix = `${source.toUpperCase()}_`;
      expect(KEY_PREFIXES, source).toContain(prefix);
      expect(SOURCES[source].keys.declared.filter((key) => !key.name.startsWith(prefix)).map((key) => key.name), `${source} keys without ${prefix}`).toEqual([]);
    }
  });
});

describe('readKey', () => {
  const key = WAREHOUSE_KEY_TABLE.retentionRawDays;
  it.each([['7', 7], ['  12 ', 12], ['', 7]] as const)('reads %j as %d', (raw, expected) => {
    expect(readKey(reader({ [key.name]: raw }), key)).toBe(expected);
  });

  it.each([['2.5', /"2\.5" is not a whole number/u], ['0', /0 is outside 1\.\.100000/u], ['1e3', /not a whole number/u]])('refuses %j naming the key', (raw, message) => {
    const error = (() => { try { readKey(reader({ [key.name]: raw }), key); } catch (e) { return e; } return undefined; })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(message);
    expect((error as ConfigError).message).toContain(key.name);
  });

  it('reads a duration in milliseconds', () => {
    expect(readKey(reader({ WAREHOUSE_RUN_TIMEOUT_MINUTES: '3' }), WAREHOUSE_KEY_TABLE.runTimeout)).toBe(180_000);
  });
});
