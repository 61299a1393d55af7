/** The mapping file: its format, and that a bad entry is an error naming the file and its line. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, EXIT } from '../../warehouse/errors.js';
import { loadSiteMap, parseSiteMap } from '../../warehouse/sites/site-map.js';

const FILE = 'sites.csv';
const error = (text: string): ConfigError => {
  try {
    parseSiteMap(text, FILE);
  } catch (caught) {
    return caught as ConfigError;
  }
  throw new Error('expected the file to be refused');
};

describe('site mapping file', () => {
  it('reads entries with comments, a header, instances, quotes and commas in site names', () => {
    const entries = parseSiteMap([
      'source,external_id,site',
      '# ThreatLocker spells this client "Harbour Dental Group"',
      'threatlocker, 4F1C2A9E-0B7D-4C55-9A57-2B1F0C8E7D11 , Harbour Dental ',
      '',
      'pmp/branch-server,17,"Smith, Jones & Co"',
      'ninjaone,42,Say ""hello"" Pty',
    ].join('\r\n'), FILE);
    expect(entries).toEqual([
      { source: 'threatlocker', instance: 'default', externalId: '4F1C2A9E-0B7D-4C55-9A57-2B1F0C8E7D11', site: 'Harbour Dental', file: FILE, line: 3 },
      { source: 'pmp', instance: 'branch-server', externalId: '17', site: 'Smith, Jones & Co', file: FILE, line: 5 },
      { source: 'ninjaone', instance: 'default', externalId: '42', site: 'Say ""hello"" Pty', file: FILE, line: 6 },
    ]);
  });

  it.each([
    ['threatlocker,abc', 1, /line 1: expected three fields/u],
    ['# c\nkaseya,1,Acme', 2, /line 2: unknown source "kaseya"/u],
    ['pmp,,Acme', 1, /line 1: the external id is empty/u],
    ['pmp,3,  ', 1, /line 1: the site name is empty/u],
    ['pmp,3,(unmapped)', 1, /line 1: "\(unmapped\)" is not a site/u],
    ['pmp,3,Acme\n\nPMP,3,Other', 3, /unknown source "PMP"/u],
    ['pmp,3,Acme\n\npmp,3,Other', 3, /line 3: pmp 3 is already mapped on line 1/u],
    ['pmp/a/b,3,Acme', 1, /unknown source "pmp\/a\/b"/u],
  ])('refuses %j naming line %i', (text, _line, message) => {
    const refused = error(text);
    expect(refused).toBeInstanceOf(ConfigError);
    expect(refused.exitCode).toBe(EXIT.usage);
    expect(refused.message).toMatch(/^WAREHOUSE_SITE_MAP: sites\.csv line \d+: /u);
    expect(refused.message).toMatch(message);
    expect(refused.hint).toMatch(/source\[\/instance\],external id,site name/u);
  });

  it('loads the file named by WAREHOUSE_SITE_MAP; none when unset; a missing file is an error', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'site-map-'));
    const file = path.join(dir, 'sites.csv');
    writeFileSync(file, 'pmp,3,Acme\n');
    expect(loadSiteMap({ get: (key) => (key === 'WAREHOUSE_SITE_MAP' ? file : undefined) })).toHaveLength(1);
    expect(loadSiteMap({ get: () => undefined })).toEqual([]);
    expect(() => loadSiteMap({ get: () => path.join(dir, 'nope.csv') })).toThrow(/WAREHOUSE_SITE_MAP: the site mapping file .* does not exist/u);
  });
});
