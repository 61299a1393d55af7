/**
 * Each verb's --help against the key tables (warehouse/config-table.ts and each source's
 * collectors/<source>/config.ts): a key a help names must be a declared one, a default a help states
 * must be the declared default, and a verb that documents a family of keys names every key of it.
 * Each failure names the verb and the key.
 */
import { describe, expect, it } from 'vitest';
import { SOURCES } from '../../collectors/registry.js';
import type { KeyDeclaration } from '../../warehouse/config-keys.js';
import { WAREHOUSE_KEY_TABLE } from '../../warehouse/config-table.js';
import { KEY_PREFIXES } from '../../warehouse/config.js';
import { VERBS } from '../../bin/verbs.js';

const DECLARED = new Map<string, KeyDeclaration>(
  [...Object.values(WAREHOUSE_KEY_TABLE) as KeyDeclaration[], ...Object.values(SOURCES).flatMap((source) => source.keys.declared)]
    .map((key) => [key.name, key]),
);

/** The configuration keys a text names: words with one of our prefixes, and the declared keys without one (DATABASE_URL). */
function keysNamed(text: string): string[] {
  const words = text.match(/\b[A-Z][A-Z0-9_]*_[A-Z0-9]+\b/gu) ?? [];
  return [...new Set(words.filter((word) => KEY_PREFIXES.some((prefix) => word.startsWith(prefix)) || DECLARED.has(word)))];
}

/** "KEY (65)", "KEY (default 36)", "$KEY, default ./.warehouse": the defaults a text states, by key. */
function statedDefaults(text: string): Array<{ key: string; stated: string }> {
  const forms = [
    /\b([A-Z][A-Z0-9_]*_[A-Z0-9]+)\s*\((\d+)\)/gu,
    /\b([A-Z][A-Z0-9_]*_[A-Z0-9]+)\s*\(default ([^\s),;]+)\)/gu,
    /\b([A-Z][A-Z0-9_]*_[A-Z0-9]+), default ([^\s),;]+)/gu,
  ];
  return forms.flatMap((form) => [...text.matchAll(form)].map((m) => ({ key: m[1] as string, stated: m[2] as string })))
    .filter(({ key }) => DECLARED.has(key));
}

/** Verbs whose --help documents a whole family of keys: each key of the family must be named there. */
const FAMILIES: Record<string, string> = {
  retention: 'WAREHOUSE_RETENTION_',
  serve: 'WAREHOUSE_DASHBOARD_',
  alerts: 'WAREHOUSE_NOTIFY_',
};

const helps: Array<[string, string]> = await Promise.all(Object.entries(VERBS).map(async ([name, entry]) => [name, (await entry.load()).help] as [string, string]));

describe('each verb\'s --help against the key tables', () => {
  it('names only declared keys', () => {
    const undeclared = helps.flatMap(([verb, help]) => keysNamed(help).filter((key) => !DECLARED.has(key)).map((key) => `${verb} --help names ${key}`));
    expect(undeclared, 'keys a --help names that no key table declares').toEqual([]);
  });

  it('states each default as declared', () => {
    const stated = helps.flatMap(([verb, help]) => statedDefaults(help).map((s) => ({ verb, ...s })));
    expect(stated.length, 'the defaults check reads something').toBeGreaterThan(0);
    const wrong = stated
      .filter(({ key, stated: value }) => String(DECLARED.get(key)?.default) !== value)
      .map(({ verb, key, stated: value }) => `${verb} --help: ${key} default ${value}, declared ${String(DECLARED.get(key)?.default)}`);
    expect(wrong, 'defaults a --help states that differ from the declaration').toEqual([]);
  });

  it.each(Object.entries(FAMILIES))('%s --help names every %s key', (verb, prefix) => {
    const help = helps.find(([name]) => name === verb)?.[1] ?? '';
    const family = [...DECLARED.keys()].filter((key) => key.startsWith(prefix));
    expect(family.length).toBeGreaterThan(0);
    expect(family.filter((key) => !keysNamed(help).includes(key)), `declared ${prefix}* keys missing from ${verb} --help`).toEqual([]);
  });

  it('the checks catch an undeclared key, a wrong default and a declared key left out', () => {
    expect(keysNamed('set WAREHOUSE_RETENTION_DAYLY_DAYS or DATABASE_URL; ERR_ABANDONED is a code')).toEqual(['WAREHOUSE_RETENTION_DAYLY_DAYS', 'DATABASE_URL']);
    expect(statedDefaults('after WAREHOUSE_RETENTION_RAW_DAYS\n(9), WAREHOUSE_STALE_HOURS (default 12), in $WAREHOUSE_HOME, default ./elsewhere; WAREHOUSE_SITE_MAP (see sites)')).toEqual([
      { key: 'WAREHOUSE_RETENTION_RAW_DAYS', stated: '9' }, { key: 'WAREHOUSE_STALE_HOURS', stated: '12' }, { key: 'WAREHOUSE_HOME', stated: './elsewhere' },
    ]);
  });
});
