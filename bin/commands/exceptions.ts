/** `warehouse exceptions list | ack | refresh`: cross-vendor findings and their acknowledgement. */
import { loadWarehouseConfig } from '../../warehouse/config.js';
import type { Sql } from '../../warehouse/db.js';
import { EXIT, UsageError } from '../../warehouse/errors.js';
import { didYouMean } from '../../warehouse/suggest.js';
import { suggestSite } from '../../warehouse/sites/suggest.js';
import { acknowledgeException, refreshExceptions } from '../../warehouse/matching/exceptions.js';
import { parse, str } from '../args.js';
import { withDatabase, withSql } from '../database.js';
import { renderTable, shorten } from '../table.js';
import type { Verb } from '../verbs.js';

const USAGE = 'usage: warehouse exceptions list [--status open|acknowledged|resolved|all] [--site S] [--kind K] [--json] | ack <id> --note T | refresh [--full]';
const STATUSES = ['open', 'acknowledged', 'resolved', 'all'];
/** The kinds bi.exceptions describes (its kind_description CASE; a test keeps the two lists equal). */
export const KINDS = ['not_in_rmm', 'no_threatlocker', 'no_pmp', 'site_mismatch', 'threatlocker_on_spare', 'duplicate_hostname'];

export const exceptionsCommand: Verb = {
  summary: 'Cross-vendor findings and their acknowledgement',
  help: `${USAGE}

  list      findings (default: open and acknowledged), newest first: devices in ThreatLocker or Patch
            Manager Plus with no NinjaOne match (not_in_rmm), billable NinjaOne devices without a
            ThreatLocker or PMP agent (no_threatlocker, no_pmp), devices the vendors file under
            different sites (site_mismatch), ThreatLocker agents on spare devices
            (threatlocker_on_spare) and host names several devices share (duplicate_hostname)
  ack       acknowledge a finding with a note; it stays acknowledged across re-runs until its
            condition clears (then it is resolved with that day, and reopens if it returns)
  refresh   re-evaluate the findings now (\`warehouse rollup\` and the nightly do this once every
            source has published; a collect alone does not). Incremental: only the devices whose
            rows changed since the last refresh, and those sharing a host name, serial or MAC with
            them, are re-judged; the refresh is full by itself when it cannot trust what it kept
            (first refresh, roles, sites, aliases, billing policy or scopes changed, an earlier
            as-of day). --full re-judges every device from the views; both give the same findings

list --json prints one JSON array of the findings, each with its full detail (the table cuts it).

Findings compare same-day snapshots only: a source that has not published the latest day neither
opens nor resolves findings about it.`,
  async run(argv) {
    const { values, positionals } = parse('exceptions', argv, {
      note: { type: 'string' }, status: { type: 'string' }, site: { type: 'string' }, kind: { type: 'string' }, json: { type: 'boolean' },
      full: { type: 'boolean' },
    });
    const [action, ...args] = positionals;
    const config = loadWarehouseConfig(process.env);
    if (action === 'ack') {
      const id = Number(args[0]);
      if (args.length !== 1 || !Number.isInteger(id) || id <= 0) throw new UsageError('exceptions ack needs one exception id', `${USAGE}\n  e.g. warehouse exceptions ack 42 --note "loan laptop, agent removal booked"`);
      const note = str(values.note);
      if (note === undefined) throw new UsageError('exceptions ack needs --note', 'Say why the finding is accepted, e.g. --note "spare in the cupboard; TL agent removal booked".');
      return withDatabase(config, (url) => withSql(url, 'warehouse:exceptions', async (sql) => {
        const done = await acknowledgeException(sql, id, note);
        process.stdout.write(`exception ${done.exceptionId} (${done.kind}, ${done.subjectName ?? '-'} at ${done.site}) acknowledged\n`);
        return EXIT.ok;
      }));
    }
    if (action === 'refresh') {
      return withDatabase(config, (url) => withSql(url, 'warehouse:exceptions', async (sql) => {
        const r = await refreshExceptions(sql, { full: values.full === true });
        process.stdout.write(r.asOf === null ? 'nothing published yet\n'
          : `as of ${r.asOf}: ${r.opened} opened, ${r.reopened} reopened, ${r.resolved} resolved; ${r.open} open, ${r.acknowledged} acknowledged\n`);
        // How it was judged, on stderr: the line above is the result scripts read.
        if (r.asOf !== null) {
          process.stderr.write(r.mode === 'full' ? `full re-judgement (${r.fullBecause}): ${r.rematched} devices\n`
            : `incremental: ${r.changed} devices changed since the last refresh, ${r.rematched} re-matched\n`);
        }
        return EXIT.ok;
      }));
    }
    if (action !== 'list') throw new UsageError(action ? `unknown exceptions action "${action}"` : 'no exceptions action given', USAGE);
    const status = str(values.status) ?? 'current';
    if (status !== 'current' && !STATUSES.includes(status)) throw new UsageError(`--status ${status} is not one of ${STATUSES.join(', ')}`, USAGE);
    return withDatabase(config, (url) => withSql(url, 'warehouse:exceptions', (sql) => listExceptions(sql, { status, site: str(values.site), kind: str(values.kind), json: values.json === true })));
  },
};

interface ListOptions { status: string; site: string | undefined; kind: string | undefined; json: boolean }

/** The site a filter names, as bi.sites spells it; a name matching none is a usage error with the near ones. */
async function siteNamed(sql: Sql, wanted: string): Promise<string> {
  const names = (await sql<{ site: string }[]>`select site from bi.sites order by site`).map((r) => r.site);
  const found = names.find((name) => name.toLowerCase() === wanted.trim().toLowerCase());
  if (found === undefined) throw new UsageError(`--site ${wanted}: no such site`, suggestSite(wanted, names));
  return found;
}

async function listExceptions(sql: Sql, options: ListOptions): Promise<number> {
  const { status, kind, json } = options;
  const site = options.site === undefined ? undefined : await siteNamed(sql, options.site);
  if (kind !== undefined && !KINDS.includes(kind)) throw new UsageError(`--kind ${kind} is not a kind of finding`, `${didYouMean(kind, KINDS) || `One of ${KINDS.join(', ')}.`}`);
  const statuses = status === 'current' ? ['open', 'acknowledged'] : status === 'all' ? ['open', 'acknowledged', 'resolved'] : [status];
  const rows = await sql<Array<Record<string, unknown>>>`
    select exception_id, site, kind, status, source, subject_name, first_seen_on::text as first_seen_on,
           last_seen_on::text as last_seen_on, resolved_on::text as resolved_on, note, detail
    from bi.exceptions
    where status in ${sql(statuses)}
      and (${site ?? null}::text is null or site = ${site ?? null}::text)
      and (${kind ?? null}::text is null or kind = ${kind ?? null}::text)
    order by last_seen_on desc, site, kind, exception_id`;
  if (json) {
    process.stdout.write(`${JSON.stringify(rows.map((r) => ({
      id: Number(r.exception_id), site: r.site, kind: r.kind, status: r.status, source: r.source, device: r.subject_name,
      firstSeenOn: r.first_seen_on, lastSeenOn: r.last_seen_on, resolvedOn: r.resolved_on, note: r.note, detail: r.detail,
    })))}\n`);
    return EXIT.ok;
  }
  process.stdout.write(renderTable(rows.map((r) => ({
    id: Number(r.exception_id), site: r.site, kind: r.kind, status: r.status, source: r.source, device: r.subject_name,
    'first seen': r.first_seen_on, 'last seen': r.last_seen_on, resolved: r.resolved_on,
    note: r.note, detail: shorten(String(r.detail), 90),
  }))));
  return EXIT.ok;
}
