/**
 * `warehouse export billing`: a month's billable seats per client and source with the device list
 * and spare reasons, from the month-end tables, as files (in the current directory, or --output) to
 * attach to invoices. Prints each written file's path on stdout (one per line, for scripts); what it holds
 * goes to stderr.
 */
import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadWarehouseConfig } from '../../warehouse/config.js';
import { asDatabaseError, openDatabase } from '../../warehouse/db.js';
import { EXIT, UsageError } from '../../warehouse/errors.js';
import { writeFileAtomically } from '../../warehouse/metrics.js';
import { addDays, parseDay, todayIn } from '../../warehouse/time.js';
import { parse, positiveInt, str } from '../args.js';
import { withDatabase } from '../database.js';
import { loadBillingExport, parseMonth, total, type BillingExport } from '../export/billing-data.js';
import { devicesCsv, summaryCsv } from '../export/billing-csv.js';
import { DEFAULT_DAYS, loadComplianceExport, type ComplianceExport } from '../export/compliance-data.js';
import { parsePaper, type Paper } from '../export/xlsx-page.js';
import type { Verb } from '../verbs.js';

const USAGE = 'usage: warehouse export billing [--month YYYY-MM] [--format xlsx|csv] [--site S] [--output DIR] [--today D] [--paper a4|letter]';
const COMPLIANCE_USAGE = 'usage: warehouse export compliance [--format xlsx] [--site S] [--days N] [--output DIR] [--today D] [--paper a4|letter]';
/** A trend longer than this reads beyond any daily retention and only draws empty days. */
const MAX_DAYS = 400;

/** The month before `today`'s: the one an invoice run at the start of a month is for. */
export function lastMonth(today: string): string {
  return addDays(`${today.slice(0, 7)}-01`, -1).slice(0, 7);
}

/**
 * --output names a directory: created when missing (with its parents), refused when it is a file or
 * reads like one (billing.xlsx), since the file names are the export's own (one or two per run).
 */
export function outputDirectory(value: string | undefined): string {
  const dir = path.resolve(value ?? '.');
  let isFile = false;
  try {
    isFile = !statSync(dir).isDirectory();
  } catch {
    isFile = /\.(xlsx|xls|csv|pdf)$/iu.test(dir);
  }
  if (isFile) {
    throw new UsageError(`--output ${value ?? '.'} is a file, not a directory`,
      'Name the directory to write into (created if missing); the files are named billing-YYYY-MM[-client].xlsx or .csv.');
  }
  return dir;
}

/** Past this the client's name is cut in the file name (a file name holds at most 255 bytes) and its id added, so cut names stay apart. */
const SLUG_MAX = 60;

export function fileStem(data: Pick<BillingExport, 'month' | 'site'>): string {
  if (!data.site) return `billing-${data.month}`;
  const slug = data.site.name.toLowerCase().replace(/[^a-z0-9]+/gu, '-').replace(/^-|-$/gu, '');
  const bounded = slug.length > SLUG_MAX ? `${slug.slice(0, SLUG_MAX).replace(/-+$/u, '')}-${data.site.id}` : slug;
  return `billing-${data.month}-${bounded || data.site.id}`;
}

/** Write the export into `dir`; returns the paths written. */
export async function writeBillingExport(data: BillingExport, format: 'xlsx' | 'csv', dir: string, paper: Paper = 'a4'): Promise<string[]> {
  const stem = path.join(dir, fileStem(data));
  if (format === 'xlsx') {
    // exceljs takes half a second to load: only the xlsx export pays for it, not every CLI command.
    const { billingWorkbook } = await import('../export/billing-xlsx.js');
    await writeFileAtomically(`${stem}.xlsx`, await billingWorkbook(data, paper));
    return [`${stem}.xlsx`];
  }
  await writeFileAtomically(`${stem}.csv`, devicesCsv(data));
  await writeFileAtomically(`${stem}-summary.csv`, summaryCsv(data));
  return [`${stem}-summary.csv`, `${stem}.csv`];
}

export function complianceFileStem(data: Pick<ComplianceExport, 'day' | 'site'>): string {
  return fileStem({ month: data.day, site: data.site }).replace(/^billing-/u, 'compliance-');
}

/** `warehouse export compliance`: the compliance workbook of a client (--site) or the estate. */
async function exportCompliance(values: Record<string, string | boolean | undefined>): Promise<number> {
  if (values.month !== undefined) throw new UsageError('export compliance: --month is billing\'s; the compliance workbook takes --days N (default 90) and --today D', COMPLIANCE_USAGE);
  const format = str(values.format) ?? 'xlsx';
  if (format !== 'xlsx') throw new UsageError(`--format ${format}: the compliance export is an xlsx workbook only`, COMPLIANCE_USAGE);
  const days = positiveInt(values.days, '--days', DEFAULT_DAYS);
  const paper = parsePaper(str(values.paper));
  if (days > MAX_DAYS) throw new UsageError(`--days ${days} is more than ${MAX_DAYS}`, `The dailies behind the trend are kept for the retention period; bi.compliance_trend holds the month-ends. Use e.g. --days ${DEFAULT_DAYS}.`);
  const output = outputDirectory(str(values.output));
  const config = loadWarehouseConfig(process.env);
  const todayFlag = str(values.today);
  const today = todayFlag ? parseDay(todayFlag, '--today') : todayIn(config.timeZone);
  const site = str(values.site);
  const data = await withDatabase(config, async (url) => {
    const { sql, close } = openDatabase(url, { applicationName: 'warehouse:export', max: 1 });
    try {
      return { ...(await loadComplianceExport(sql, { today, days, ...(site === undefined ? {} : { site }) })), timeZone: config.timeZone };
    } catch (error) {
      throw asDatabaseError(error);
    } finally {
      await close();
    }
  });
  await mkdir(output, { recursive: true });
  const file = path.join(output, `${complianceFileStem(data)}.xlsx`);
  const { complianceWorkbook } = await import('../export/compliance-xlsx.js');
  await writeFileAtomically(file, await complianceWorkbook(data, { paper }));
  process.stdout.write(`${file}\n`);
  const count = (status: string) => data.checks.filter((c) => c.status === status).length;
  process.stderr.write(`${data.day} (${data.site?.name ?? 'whole estate'}): ${data.checks.length} rule checks, ${count('pass')} pass, ${count('fail')} fail, ${count('unknown')} not known; trend ${data.firstDay} to ${data.day}\n`);
  return EXIT.ok;
}

export const exportCommand: Verb = {
  summary: 'A month\'s billable seats per client, or the compliance workbook',
  help: `${USAGE}
${COMPLIANCE_USAGE}

Writes the month's billing, read from its month-end snapshot (the numbers of bi.billing_monthly), into
the current directory (or --output DIR, created if missing) and prints the path. Without --month, last
month: the month before today's in WAREHOUSE_TIMEZONE (--today D replays another day).
  xlsx (default)  billing-YYYY-MM.xlsx: a Summary sheet (seats per client and source, with totals, the
                  billed classes and the spare rules) and one sheet per client (seats per source, then
                  every device by host name with its billing status and reason: billable workstation or
                  server, spare and the rule that made it spare, not billed). Every sheet prints
                  landscape, one page wide, its header repeated on each page.
  csv             billing-YYYY-MM-summary.csv (one line per client and source) and billing-YYYY-MM.csv
                  (one line per device)
  --site S        one client only (name, case-insensitive, or site id); the file name gets its name
  --output DIR    the directory to write into (default: the current directory; created if missing;
                  a file there is refused, exit 2)
  --paper P       the xlsx prints on a4 (default) or letter, landscape
The month must have ended and been rolled up (\`warehouse rollup\`, run nightly). Until
\`warehouse billing close YYYY-MM\` the figures may still change, and the files say so.

export compliance: the compliance workbook of the whole estate (or --site S, one client), read from
the bi views, as compliance-YYYY-MM-DD[-client].xlsx for the latest collected day on or before today
(--today D another day). Sheets: Executive summary (key figures, the 0-100 risk score and its formula,
pass/fail), Trend charts (--days N, default 90, of missing critical/important patches and the pass
rate, as line charts), Compliance checks (every rule, red/amber/green, the setting that applied),
Severity analysis (table and pie chart), Recommendations (one action per failing rule) and Trend
report (the PMP summary metrics' 7/30/90-day changes, with arrows). Prints landscape, one page wide,
on A4 or (--paper letter) US Letter.`,
  async run(argv) {
    const { values, positionals } = parse('export', argv, {
      month: { type: 'string' }, format: { type: 'string' }, site: { type: 'string' }, output: { type: 'string' }, today: { type: 'string' }, days: { type: 'string' }, paper: { type: 'string' },
    });
    if (positionals[0] === 'compliance' && positionals.length === 1) return exportCompliance(values);
    if (values.days !== undefined) throw new UsageError('export: unknown option --days', 'Run `warehouse export --help` for its options.');
    if (positionals[0] !== 'billing' || positionals.length > 1) throw new UsageError(`export: expected \`export billing\` or \`export compliance\`${positionals[0] ? `, not "${positionals.join(' ')}"` : ''}`, USAGE);
    const format = str(values.format) ?? 'xlsx';
    if (format !== 'xlsx' && format !== 'csv') throw new UsageError(`--format ${format} is not xlsx or csv`, USAGE);
    const paper = parsePaper(str(values.paper));
    if (values.paper !== undefined && format !== 'xlsx') throw new UsageError('--paper is for the xlsx workbook; a csv has no page', USAGE);
    const site = str(values.site);
    // Checked before the database starts: a mistyped --output fails fast.
    const output = outputDirectory(str(values.output));
    const config = loadWarehouseConfig(process.env);
    const todayFlag = str(values.today);
    // Unbounded, unlike collect's: an export only reads, so any day may stand for today.
    const today = todayFlag ? parseDay(todayFlag, '--today') : todayIn(config.timeZone);
    const month = values.month === undefined ? lastMonth(today) : parseMonth(str(values.month));
    const data = await withDatabase(config, async (url) => {
      const { sql, close } = openDatabase(url, { applicationName: 'warehouse:export', max: 1 });
      try {
        return { ...(await loadBillingExport(sql, month, site)), timeZone: config.timeZone };
      } catch (error) {
        throw asDatabaseError(error);
      } finally {
        await close();
      }
    });
    await mkdir(output, { recursive: true });
    const files = await writeBillingExport(data, format, output, paper);
    process.stdout.write(`${files.join('\n')}\n`);
    const clients = new Set(data.summary.map((s) => s.siteId)).size;
    process.stderr.write(`${month}: ${clients} client(s), ${total(data.summary, 'billable')} billable seats and ${total(data.summary, 'spares')} spares over ${new Set(data.summary.map((s) => s.source)).size} source(s), ${data.devices.length} devices listed${data.closed ? '' : ' (month not closed: figures may still change)'}\n`);
    return EXIT.ok;
  },
};
