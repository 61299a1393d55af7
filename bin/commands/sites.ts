/** `warehouse sites list | unmapped | map | reference`: canonical sites, the vendor organisations mapped to them, client references. */
import { loadWarehouseConfig } from '../../warehouse/config.js';
import type { Sql } from '../../warehouse/db.js';
import { EXIT, UsageError } from '../../warehouse/errors.js';
import { mapAliasManually } from '../../warehouse/sites/manage.js';
import { cleanReference, REFERENCE_MAX, setSiteReference } from '../../warehouse/sites/reference.js';
import { loadSiteMap } from '../../warehouse/sites/site-map.js';
import { rollupPending } from '../../rollups/run.js';
import { todayIn } from '../../warehouse/time.js';
import { parse } from '../args.js';
import { withDatabase, withSql } from '../database.js';
import { renderTable } from '../table.js';
import type { Verb } from '../verbs.js';

const USAGE = 'usage: warehouse sites list [--json] | unmapped [--json] | map <source>[/<instance>] <external-id> <site> [--create] | reference <site> <code> | reference <site> --clear';

export const sitesCommand: Verb = {
  summary: 'Canonical sites and vendor aliases',
  help: `${USAGE}

  list       every canonical site: the vendor organisations mapped to it and its devices per vendor
  unmapped   vendor organisations not mapped to a site, with the reason (their devices count under
             "(unmapped)" until mapped)
  map        map one vendor organisation to a site by hand; its devices move to that site in every
             month not yet closed (closed months keep what was invoiced). --create makes a new site.
  reference  set the client's code in your own books (accounting, PSA; at most ${REFERENCE_MAX}
             characters), shown in bi.sites, the billing views and every billing export; the site
             by name (case-insensitive) or id. --clear removes it.

list and unmapped take --json: one JSON array, a row of bi.sites or bi.unmapped_aliases each.

Organisations are mapped automatically only when their normalised name names exactly one site.
For mappings kept under version control, list them in the file named by WAREHOUSE_SITE_MAP, one
per line: source[/instance],external id,site name. It is read at every run; its mappings win, and
\`sites map\` refuses to contradict it. A bad line is an error naming the line (exit 2).`,
  async run(argv) {
    const { values, positionals } = parse('sites', argv, { create: { type: 'boolean' }, clear: { type: 'boolean' }, json: { type: 'boolean' } });
    const [action, ...args] = positionals;
    const config = loadWarehouseConfig(process.env);
    // Read (and so validate) the mapping file first: a bad line fails before the database starts.
    const siteMap = loadSiteMap(config.reader);
    if (action === 'map' && args.length !== 3) throw new UsageError('sites map needs <source> <external-id> <site>', `${USAGE}\n  e.g. warehouse sites map threatlocker 4f1c2a9e-... "Harbour Dental"`);
    if (action !== 'list' && action !== 'unmapped' && action !== 'map' && action !== 'reference') throw new UsageError(action ? `unknown sites action "${action}"` : 'no sites action given', USAGE);
    if (action === 'reference') {
      const clear = values.clear === true;
      if (args.length !== (clear ? 1 : 2) || values.create) {
        throw new UsageError(clear ? 'sites reference --clear needs the site only' : 'sites reference needs <site> <code> (or <site> --clear)', `${USAGE}\n  e.g. warehouse sites reference "Harbour Dental" C-1042`);
      }
      // Checked before the database starts: a bad code fails fast.
      const code = clear ? null : cleanReference(args[1] as string);
      return withDatabase(config, (url) => withSql(url, 'warehouse:sites', async (sql) => {
        const change = await sql.begin((tx) => setSiteReference(tx, args[0] as string, code));
        const was = change.previous === null ? '' : ` (was ${change.previous})`;
        process.stdout.write(change.reference === null ? `"${change.site}": reference cleared${was}\n` : `"${change.site}": reference ${change.reference}${was}\n`);
        return EXIT.ok;
      }));
    }
    if (action !== 'map' && (args.length > 0 || values.create || values.clear)) throw new UsageError(`sites ${action} takes no arguments`, USAGE);
    const json = values.json === true;
    if (json && action === 'map') throw new UsageError('--json is for sites list and sites unmapped', USAGE);
    return withDatabase(config, (url) => withSql(url, 'warehouse:sites', async (sql) => {
      if (action === 'list') return listSites(sql, json);
      if (action === 'unmapped') return listUnmapped(sql, json);
      const [source, externalId, site] = args as [string, string, string];
      const result = await mapAliasManually(sql, { source, externalId, site, create: values.create === true, siteMap });
      const moved = result.reattribution;
      process.stdout.write(`${result.source}${result.instance === 'default' ? '' : `/${result.instance}`} ${result.externalId} "${result.aliasName.trim()}" -> ${result.siteCreated ? 'new site ' : ''}"${result.site}"`
        + `${result.previousSite ? ` (was "${result.previousSite}")` : ''}\n`);
      if (moved && moved.deviceDays > 0 && moved.from && moved.to) {
        process.stdout.write(`re-attributed ${moved.deviceDays} device-days from ${moved.from} to ${moved.to}\n`);
      }
      if (moved) {
        // Daily counts and open month-ends follow the devices (closed months stay as invoiced): the
        // rollup requests the move recorded, paid now, as the nightly pays those of the mapping file.
        const rolled = await rollupPending(sql, { today: todayIn(config.timeZone) });
        process.stdout.write(`rolled up ${rolled.days} day(s) and ${rolled.months.length} month-end(s) again\n`);
      }
      if (moved && moved.closedMonthsKept.length > 0) process.stdout.write(`closed months keep what was invoiced: ${moved.closedMonthsKept.join(', ')}\n`);
      if (!siteMap.some((e) => e.source === result.source && e.instance === result.instance && e.externalId.toLowerCase() === result.externalId.toLowerCase())) {
        process.stdout.write('note: to keep this mapping under version control, add it to the WAREHOUSE_SITE_MAP file\n');
      }
      return EXIT.ok;
    }));
  },
};

/** Rows for --json: the view's own column names, so a script reads what the documented view says. */
const printJson = (rows: unknown[]) => process.stdout.write(`${JSON.stringify(rows)}\n`);

async function listSites(sql: Sql, json: boolean): Promise<number> {
  const rows = await sql<Array<Record<string, unknown>>>`
    select site_id, site, reference, is_internal, is_unmapped, ninjaone_aliases, threatlocker_aliases, pmp_aliases, manual_aliases,
           ninjaone_devices, ninjaone_billable, threatlocker_devices, pmp_devices
    from bi.sites order by is_unmapped, site`;
  if (json) {
    printJson(rows);
    return EXIT.ok;
  }
  process.stdout.write(renderTable(rows.map((r) => ({
    id: r.site_id, site: r.site, reference: r.reference ?? '', internal: r.is_internal ? 'yes' : '',
    'ninja orgs': r.ninjaone_aliases, 'tl orgs': r.threatlocker_aliases, 'pmp orgs': r.pmp_aliases, manual: r.manual_aliases,
    ninjaone: r.ninjaone_devices, billable: r.ninjaone_billable, threatlocker: r.threatlocker_devices, pmp: r.pmp_devices,
  }))));
  return EXIT.ok;
}

async function listUnmapped(sql: Sql, json: boolean): Promise<number> {
  const rows = await sql<Array<Record<string, unknown>>>`
    select source, instance, external_id, name, devices, is_current, reason, last_seen_on::text as last_seen_on
    from bi.unmapped_aliases order by is_current desc, devices desc, source, name`;
  if (json) {
    printJson(rows);
    return EXIT.ok;
  }
  process.stdout.write(renderTable(rows.map((r) => ({
    source: r.instance === 'default' ? r.source : `${String(r.source)}/${String(r.instance)}`,
    'external id': r.external_id, name: String(r.name).trim(), devices: r.devices,
    'last seen': r.is_current ? 'current' : r.last_seen_on, reason: r.reason,
  }))));
  if (rows.length > 0) process.stdout.write('\nMap one with `warehouse sites map <source> <external-id> <site>`, or list it in the WAREHOUSE_SITE_MAP file.\n');
  return EXIT.ok;
}
