/**
 * The compliance workbook for a client or the estate (PMP spec §5.1): Executive summary (KPIs, the
 * 0–100 risk score as a live formula beside its definition, pass/fail), Trend charts (N days of
 * critical/high missing patches and the pass rate, native line charts over the sheet's cells),
 * Compliance checks (every rule, coloured red/amber/green by conditional formatting, with the setting
 * that applied), Severity analysis (its table and native pie charts), Recommendations (one action per
 * failing rule) and the Trend report (the PMP summary metrics' 7/30/90-day changes with ↑ ↓ →).
 *
 * Printed like the billing workbook: A4 or Letter landscape, one page wide, the page header naming the client,
 * the period and when it was made (WAREHOUSE_TIMEZONE's wall clock). A value the data does not give
 * reads "not known" with the reason, never 0.
 */
import ExcelJS from 'exceljs';
import { addDays, wallClock } from '../../warehouse/time.js';
import type { ComplianceExport, SourceDay, TrendDay } from './compliance-data.js';
import { recommendations, riskScore, valueInWords } from './compliance-data.js';
import { fitCellsToExcel } from './excel-text.js';
import { header, note as writeNote, printOn, title as writeTitle, WRAP, type Paper } from './xlsx-page.js';
import { addCharts, lineChart, pieChart, type Chart, type Series } from './xlsx-charts.js';

export const SHEETS = {
  summary: 'Executive summary', trend: 'Trend charts', checks: 'Compliance checks', severity: 'Severity analysis',
  recommendations: 'Recommendations', report: 'Trend report',
} as const;

const FILL = { head: 'FFE8EEF4', red: 'FFF4C7C3', amber: 'FFFCE8B2', green: 'FFB7E1CD', grey: 'FFF2F2F2' };
const FONT_RED = 'FF9C0006';
const FONT_GREEN = 'FF006100';
const FONT_AMBER = 'FF7F6000';
const SOURCE_NAMES: Record<string, string> = { ninjaone: 'NinjaOne', pmp: 'PMP' };
const sourceName = (s: string): string => SOURCE_NAMES[s] ?? s;

export function scopeName(data: ComplianceExport): string {
  return data.site ? data.site.name : 'whole estate';
}

function period(data: ComplianceExport): string {
  return `${data.firstDay} to ${data.day} (${data.days} days)`;
}

/** Page header text: & starts a code in Excel's header language, so a client's "&" is doubled. */
const headerText = (text: string): string => text.replace(/&/gu, '&&');

function forPrint(sheet: ExcelJS.Worksheet, data: ComplianceExport, generated: string, headerRow?: number): void {
  sheet.pageSetup = {
    ...sheet.pageSetup,
    orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0,
    margins: { left: 0.4, right: 0.4, top: 0.7, bottom: 0.6, header: 0.25, footer: 0.25 },
    ...(headerRow ? { printTitlesRow: `${headerRow}:${headerRow}` } : {}),
  };
  if (headerRow) sheet.views = [{ state: 'frozen', ySplit: headerRow, xSplit: 0 }];
  const head = `&L${headerText(`Compliance: ${scopeName(data)}`)}&C${headerText(period(data))}&R${headerText(`Generated ${generated}`)}`;
  sheet.headerFooter = { oddHeader: head, evenHeader: head, oddFooter: '&L&A&RPage &P of &N', evenFooter: '&L&A&RPage &P of &N' };
}

/** ~0.95 characters of the notes' 10-point italic per unit of this workbook's column widths. */
const NOTE_CHARS_PER_UNIT = 0.95;
const note = (sheet: ExcelJS.Worksheet, text: string, columns: number, font?: Partial<ExcelJS.Font>): ExcelJS.Row =>
  writeNote(sheet, text, columns, NOTE_CHARS_PER_UNIT, font);
const title = (sheet: ExcelJS.Worksheet, text: string, notes: string[], columns: number): void =>
  writeTitle(sheet, text, notes, columns, NOTE_CHARS_PER_UNIT);

/** Wrap the given columns and make the row tall enough for the longest of them (Excel does not grow rows exceljs wrote). */
function wrap(row: ExcelJS.Row, columns: number[], widths: number[]): void {
  let lines = 1;
  row.eachCell({ includeEmpty: true }, (cell) => { cell.alignment = { ...cell.alignment, vertical: 'top' }; });
  for (const c of columns) {
    const cell = row.getCell(c);
    cell.alignment = { ...cell.alignment, ...WRAP };
    const text = cell.value === null || cell.value === undefined ? '' : String(cell.value);
    // ~1.05 characters of 10-point text per unit of column width, as LibreOffice and Excel print it
    lines = Math.max(lines, Math.ceil(text.length / Math.max(1, (widths[c - 1] ?? 10) * 1.05)));
  }
  if (lines > 1) row.height = Math.min(409, lines * 13 + 2);
}

const widths = (sheet: ExcelJS.Worksheet, list: number[]): void => list.forEach((w, i) => { sheet.getColumn(i + 1).width = w; });

function colourStatus(cell: ExcelJS.Cell, tone: 'red' | 'amber' | 'green'): void {
  cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: FILL[tone] } };
  cell.font = { bold: true, color: { argb: tone === 'red' ? FONT_RED : tone === 'green' ? FONT_GREEN : FONT_AMBER } };
}

const notKnown = (what: string): string => `not known: ${what}`;

function kpiRows(sources: SourceDay[]): Array<[string, Array<number | string>]> {
  const kinds = (_s: SourceDay, v: number | null) => v ?? 'not known';
  return [
    ['Devices of the source', sources.map((s) => s.devicesTotal)],
    ['  judged (in scope)', sources.map((s) => s.devicesInScope)],
    ['  excluded: spare', sources.map((s) => s.devicesSpare)],
    ['  excluded: stale or offline', sources.map((s) => s.devicesStaleOrOffline)],
    ['  excluded: no patch status', sources.map((s) => s.devicesUnknown)],
    ['Missing critical patches (summed over devices)', sources.map((s) => s.critical)],
    ['Missing important patches (summed over devices)', sources.map((s) => s.important)],
    ['Devices missing a critical patch', sources.map((s) => s.devicesMissingCritical)],
    ['Highly vulnerable devices', sources.map((s) => s.devicesHighlyVulnerable)],
    ['Devices of unknown health', sources.map((s) => s.devicesHealthUnknown)],
    ['Devices missing critical patches for over 30 days', sources.map((s) => s.devicesExposedOver30Days)],
    ['Longest run of days with a critical patch missing', sources.map((s) => s.maxExposureDays)],
    ['Missing third-party patches', sources.map((s) => kinds(s, s.thirdParty))],
  ];
}

function summarySheet(workbook: ExcelJS.Workbook, data: ComplianceExport, generated: string): void {
  const sheet = workbook.addWorksheet(SHEETS.summary);
  const sources = data.sources;
  const columns = Math.max(6, 1 + sources.length);
  widths(sheet, [46, 16, 16, 16, 16, 46]);
  const risk = riskScore(data.checks);
  title(sheet, `Compliance report: ${scopeName(data)}, ${data.day}`, [
    `Rule verdicts of ${data.day} (the latest collected day on or before the day asked for); trends over ${period(data)}. Generated ${generated}.`,
    'Each patch source (NinjaOne, PMP) is judged on its own: a device managed by both counts in each, so the sources are never added together.',
  ], columns);

  const statusRow = sheet.addRow(['Status', risk.failed > 0 ? 'FAIL' : risk.passed > 0 ? 'PASS' : 'NOT KNOWN']);
  statusRow.font = { bold: true, size: 13 };
  colourStatus(statusRow.getCell(2), risk.failed > 0 ? 'red' : risk.passed > 0 ? 'green' : 'amber');
  statusRow.getCell(3).value = risk.failed > 0
    ? `${risk.failed} rule check(s) fail, ${risk.passed} pass, ${risk.unknown} not known (the data cannot decide them): see Compliance checks and Recommendations.`
    : `${risk.passed} rule check(s) pass, none fails; ${risk.unknown} not known (the data cannot decide them).`;
  sheet.mergeCells(statusRow.number, 3, statusRow.number, 6);
  wrap(statusRow, [3], [0, 0, 94]);
  sheet.addRow([]);

  header(sheet, ['Key figures', ...sources.map((s) => sourceName(s.source))], sources.map((_, i) => i + 2));
  if (sources.length === 0) note(sheet, notKnown('no patch source reported devices for this scope that day'), columns);
  for (const [label, values] of kpiRows(sources)) {
    const row = sheet.addRow([label, ...values]);
    values.forEach((v, i) => { if (typeof v === 'string') row.getCell(i + 2).font = { italic: true, color: { argb: 'FF7F7F7F' } }; });
  }
  const silent = sources.filter((s) => s.thirdParty === null).map((s) => sourceName(s.source));
  if (silent.length > 0) note(sheet, `Not known: ${silent.join(' and ')} does not report third-party patches per device, so no count is shown rather than a 0.`, columns);
  sheet.addRow([]);

  // The score is a live formula over the table above it, so a reader can see (and check) how it is made.
  sheet.addRow(['Risk score: the weighted share of decided rule checks that fail']).font = { bold: true, size: 12 };
  const head = header(sheet, ['Rule severity', 'Weight', 'Failing', 'Decided (pass or fail)', 'Not known'], [2, 3, 4, 5]).number;
  for (const s of risk.bySeverity) sheet.addRow([s.severity, s.weight, s.failed, s.decided, s.unknown]);
  const first = head + 1;
  const last = head + risk.bySeverity.length;
  const range = (col: string) => `${col}${first}:${col}${last}`;
  const formula = `IF(SUMPRODUCT(${range('B')},${range('D')})=0,"not known",ROUND(100*SUMPRODUCT(${range('B')},${range('C')})/SUMPRODUCT(${range('B')},${range('D')}),0))`;
  const scoreRow = sheet.addRow(['Risk score, 0 (none fails) to 100']);
  scoreRow.getCell(2).value = { formula, result: risk.score ?? 'not known' };
  scoreRow.font = { bold: true, size: 13 };
  colourStatus(scoreRow.getCell(2), risk.score === null ? 'amber' : risk.score >= 50 ? 'red' : risk.score >= 20 ? 'amber' : 'green');
  scoreRow.getCell(2).alignment = { horizontal: 'right' };
  note(sheet, `Formula: risk = round(100 × Σ(weight × failing) ÷ Σ(weight × decided)), over every rule × patch source; weights critical 4, high 3, medium 2, low 1. `
    + 'A check the data cannot decide (not known) is left out of both sums and counted beside them: it never passes and never fails. '
    + `In the cells: =${formula}`, columns);
  forPrint(sheet, data, generated);
}

/** Rows each trend chart covers: the two fit one landscape page under the title. */
const CHART_ROWS = 14;

/** Every day of the period, one row, so a missing day is a gap in the line (an empty cell), never a 0. */
function trendSheet(workbook: ExcelJS.Workbook, data: ComplianceExport, generated: string): Chart[] {
  const sheet = workbook.addWorksheet(SHEETS.trend);
  const sources = [...new Set(data.trend.map((t) => t.source))].sort();
  const perSource = ['critical missing', 'important (high) missing', 'pass rate %'];
  const columns = 1 + sources.length * perSource.length;
  widths(sheet, [12, ...sources.flatMap(() => [14, 14, 14])]);
  const span = Math.max(columns, 8);
  for (let c = columns + 1; c <= span; c += 1) sheet.getColumn(c).width = 14;
  title(sheet, `Trends: ${scopeName(data)}, ${period(data)}`, [
    'Missing critical and important patches summed over the in-scope devices of each patch source, and the pass rate: passing ÷ decided rule checks (a check the data cannot decide is left out). '
    + 'A day with no data is an empty cell and a gap in the line: the dailies are kept for the retention period only.',
  ], span);
  // Charts go above the table, 18 rows each: on paper, the first page is the two charts.
  const chartTop = sheet.rowCount;
  for (let r = 0; r < CHART_ROWS * 2 + 1; r += 1) sheet.addRow([]);
  // The table starts a page of its own (with its header repeated), below the charts' page.
  sheet.getRow(sheet.rowCount).addPageBreak();
  const headRow = header(sheet, ['Day', ...sources.flatMap((s) => perSource.map((p) => `${sourceName(s)} ${p}`))], Array.from({ length: columns - 1 }, (_, i) => i + 2)).number;
  const byKey = new Map(data.trend.map((t) => [`${t.day}/${t.source}`, t]));
  const days: string[] = [];
  for (let d = data.firstDay; d <= data.day; d = addDays(d, 1)) days.push(d);
  const cache: Array<Array<number | null>> = Array.from({ length: columns - 1 }, () => []);
  const passRate = (t: TrendDay | undefined): number | null => (t && t.passed + t.failed > 0 ? Math.round((1000 * t.passed) / (t.passed + t.failed)) / 10 : null);
  for (const day of days) {
    const values = sources.flatMap((s) => {
      const t = byKey.get(`${day}/${s}`);
      return [t?.critical ?? null, t?.important ?? null, passRate(t)];
    });
    values.forEach((v, i) => cache[i]?.push(v));
    sheet.addRow([day, ...values]);
  }
  const firstRow = headRow + 1;
  const lastRow = headRow + days.length;
  const categories = { sheet: SHEETS.trend, column: 1, firstRow, lastRow };
  const series = (k: number, colour: string): Series => ({
    name: { sheet: SHEETS.trend, column: k + 2, row: headRow, text: String(sheet.getRow(headRow).getCell(k + 2).value) },
    values: { sheet: SHEETS.trend, column: k + 2, firstRow, lastRow }, cache: cache[k] ?? [], colour,
  });
  const reds = ['C0392B', '7B241C'];
  const oranges = ['E67E22', 'B9770E'];
  const blues = ['2E86C1', '1B4F72'];
  forPrint(sheet, data, generated, headRow);
  sheet.views = [];
  if (sources.length === 0) return [];
  return [
    lineChart({
      sheet: SHEETS.trend, anchor: { fromCol: 0, fromRow: chartTop, toCol: span, toRow: chartTop + CHART_ROWS }, title: 'Missing critical and important patches',
      categories, labels: days, yTitle: 'patches (summed over devices)', yMin: 0,
      series: sources.flatMap((_, i) => [series(i * 3, reds[i % 2] as string), series(i * 3 + 1, oranges[i % 2] as string)]),
    }),
    lineChart({
      sheet: SHEETS.trend, anchor: { fromCol: 0, fromRow: chartTop + CHART_ROWS, toCol: span, toRow: chartTop + CHART_ROWS * 2 }, title: 'Pass rate of the decided rule checks',
      categories, labels: days, yTitle: '%', yMin: 0, yMax: 100,
      series: sources.map((_, i) => series(i * 3 + 2, blues[i % 2] as string)),
    }),
  ];
}

const CHECK_HEADER = ['Rule', 'Framework', 'Check', 'Source', 'Severity', 'Value', 'Rule asks', 'Status', 'Setting applied', 'Reason, range or caveat'];
// The Rule column holds the longest rule id (31 characters) on one line.
const CHECK_WIDTHS = [31, 18, 26, 10, 9, 20, 10, 11, 13, 54];

function checksSheet(workbook: ExcelJS.Workbook, data: ComplianceExport, generated: string): void {
  const sheet = workbook.addWorksheet(SHEETS.checks);
  widths(sheet, CHECK_WIDTHS);
  title(sheet, `Compliance checks: ${scopeName(data)}, ${data.day}`, [
    'Every enabled rule for each patch source. Status: pass (green), fail (red), not known (amber: the data cannot decide, never a pass). '
    + 'Setting applied: the rule\'s own threshold, or the client\'s override (bi.compliance_checks.threshold_source), with the rule\'s version.',
  ], CHECK_HEADER.length);
  const head = header(sheet, CHECK_HEADER).number;
  for (const c of data.checks) {
    const unit = c.unit === 'percent' ? ' %' : c.unit === 'days' ? ' days' : '';
    const status = c.status === 'unknown' ? 'not known' : c.status;
    const why = [c.reason, c.rangeNote, c.ruleNote].filter((t): t is string => Boolean(t)).join(' ');
    const value = c.value ?? (c.valueMin !== null || c.valueMax !== null ? valueInWords(c) : 'not known');
    const row = sheet.addRow([c.ruleId, c.framework, c.description, sourceName(c.source), c.severity, value, `${c.comparator} ${c.threshold}${unit}`, status,
      `${c.thresholdSource}, v${c.ruleVersion}`, why]);
    wrap(row, [1, 2, 3, 6, 9, 10], CHECK_WIDTHS);
  }
  const last = Math.max(sheet.rowCount, head + 1);
  sheet.autoFilter = { from: { row: head, column: 1 }, to: { row: last, column: CHECK_HEADER.length } };
  // Conditional formatting rather than fixed fills: a reader who filters or edits keeps the colours right.
  const ref = `H${head + 1}:H${last}`;
  const rule = (text: string, fill: string, font: string, priority: number): ExcelJS.ConditionalFormattingRule => ({
    type: 'expression', priority, formulae: [`H${head + 1}="${text}"`],
    style: { fill: { type: 'pattern', pattern: 'solid', bgColor: { argb: fill } }, font: { bold: true, color: { argb: font } } },
  });
  sheet.addConditionalFormatting({ ref, rules: [rule('fail', FILL.red, FONT_RED, 1), rule('not known', FILL.amber, FONT_AMBER, 2), rule('pass', FILL.green, FONT_GREEN, 3)] });
  forPrint(sheet, data, generated, head);
}

const SEVERITIES = [['critical', 'Critical'], ['important', 'Important (high)'], ['moderate', 'Moderate'], ['low', 'Low'], ['unrated', 'Unrated']] as const;
const PIE_COLOURS = ['C0392B', 'E67E22', 'F1C40F', '27AE60', '95A5A6'];

function severitySheet(workbook: ExcelJS.Workbook, data: ComplianceExport, generated: string): Chart[] {
  const sheet = workbook.addWorksheet(SHEETS.severity);
  const sources = data.sources;
  widths(sheet, [26, 16, 16, 16, 16, 16, 16, 16]);
  title(sheet, `Missing patches by severity: ${scopeName(data)}, ${data.day}`, [
    'Missing patches of the in-scope devices, summed over devices (a patch missing on two devices counts twice), by the vendor\'s severity, per patch source.',
  ], 8);
  const head = header(sheet, ['Severity', ...sources.map((s) => sourceName(s.source))], sources.map((_, i) => i + 2)).number;
  for (const [key, label] of SEVERITIES) sheet.addRow([label, ...sources.map((s) => s[key])]);
  const total = sheet.addRow(['Total', ...sources.map((_, i) => {
    const col = sheet.getColumn(i + 2).letter;
    return { formula: `SUM(${col}${head + 1}:${col}${head + SEVERITIES.length})`, result: SEVERITIES.reduce((n, [k]) => n + (sources[i]?.[k] ?? 0), 0) };
  })]);
  total.font = { bold: true };
  total.eachCell((cell) => { cell.border = { top: { style: 'thin' } }; });
  sheet.addRow([]);
  const kindHead = header(sheet, ['By kind', ...sources.map((s) => sourceName(s.source))], sources.map((_, i) => i + 2)).number;
  const kinds = [['os', 'OS (Microsoft)'], ['thirdParty', 'Third-party'], ['driver', 'Driver'], ['bios', 'BIOS / firmware']] as const;
  for (const [key, label] of kinds) {
    const row = sheet.addRow([label, ...sources.map((s) => s[key] ?? 'not known')]);
    sources.forEach((s, i) => { if (s[key] === null) row.getCell(i + 2).font = { italic: true, color: { argb: 'FF7F7F7F' } }; });
  }
  const unknownKinds = sources.flatMap((s) => kinds.filter(([k]) => s[k] === null).map(([, label]) => `${sourceName(s.source)}: ${label.toLowerCase()}`));
  if (unknownKinds.length > 0) note(sheet, `Not known: the vendor does not report these per device (${unknownKinds.join('; ')}), so the warehouse holds no count for them rather than a 0.`, 8);
  void kindHead;
  sheet.addRow([]);
  const chartTop = sheet.rowCount;
  forPrint(sheet, data, generated);
  const labels = SEVERITIES.map(([, label]) => label);
  const charts: Chart[] = [];
  sources.forEach((s, i) => {
    const sum = SEVERITIES.reduce((n, [k]) => n + s[k], 0);
    if (sum === 0) {
      sheet.getRow(chartTop).getCell(1 + i * 4).value = `${sourceName(s.source)}: no missing patches, no chart.`;
      return;
    }
    charts.push(pieChart({
      sheet: SHEETS.severity, anchor: { fromCol: i * 4, fromRow: chartTop, toCol: i * 4 + 4, toRow: chartTop + 20 }, title: `${sourceName(s.source)}: missing patches by severity`,
      categories: { sheet: SHEETS.severity, column: 1, firstRow: head + 1, lastRow: head + SEVERITIES.length }, labels, colours: PIE_COLOURS,
      series: {
        name: { sheet: SHEETS.severity, column: i + 2, row: head, text: sourceName(s.source) },
        values: { sheet: SHEETS.severity, column: i + 2, firstRow: head + 1, lastRow: head + SEVERITIES.length }, cache: SEVERITIES.map(([k]) => s[k]),
      },
    }));
  });
  for (let r = 0; r < 21; r += 1) sheet.addRow([]);
  return charts;
}

const RECOMMENDATION_HEADER = ['#', 'Priority', 'Rule', 'Source', 'Finding', 'Action'];
const RECOMMENDATION_WIDTHS = [4, 10, 26, 10, 60, 70];

function recommendationsSheet(workbook: ExcelJS.Workbook, data: ComplianceExport, generated: string): void {
  const sheet = workbook.addWorksheet(SHEETS.recommendations);
  widths(sheet, RECOMMENDATION_WIDTHS);
  const list = recommendations(data.checks);
  const unknown = data.checks.filter((c) => c.status === 'unknown').length;
  title(sheet, `Recommendations: ${scopeName(data)}, ${data.day}`, [
    `One action for each failing rule check, most severe first. ${unknown} check(s) the data cannot decide are not listed here: the Compliance checks sheet gives the reason for each.`,
  ], RECOMMENDATION_HEADER.length);
  const head = header(sheet, RECOMMENDATION_HEADER).number;
  list.forEach((r, i) => wrap(sheet.addRow([i + 1, r.severity, r.ruleId, sourceName(r.source), r.finding, r.action]), [3, 5, 6], RECOMMENDATION_WIDTHS));
  if (list.length === 0) sheet.addRow(['', '', 'No rule check fails: nothing to do but keep the nightly collection running.']);
  forPrint(sheet, data, generated, head);
}

const ARROWS: Record<string, string> = { up: '↑', down: '↓', unchanged: '→', changed: '≠' };
const REPORT_HEADER = ['Server', 'Metric', 'Value', '7 days', '', '30 days', '', '90 days', ''];
const REPORT_WIDTHS = [12, 52, 24, 14, 5, 14, 5, 14, 5];

function reportSheet(workbook: ExcelJS.Workbook, data: ComplianceExport, generated: string): void {
  const sheet = workbook.addWorksheet(SHEETS.report);
  widths(sheet, REPORT_WIDTHS);
  title(sheet, `PMP summary trend report, ${data.day}`, [
    'Every metric of each PMP server\'s /patch/summary (and /patch/dbupdatestatus), from bi.pmp_summary_trend: the change against the snapshot 7, 30 and 90 days earlier '
    + '(the latest one up to 3 days before that), with ↑ up, ↓ down, → unchanged, ≠ changed (text). Green is an improvement, red a deterioration. '
    + 'A change is not known when the server has no snapshot N to N+3 days before (collected for less time than that, or missed nights). '
    + `PMP summarises per server, not per client${data.site ? `, so this sheet covers the servers that scan ${data.site.name} and their other clients too` : ''}.`,
  ], REPORT_HEADER.length);
  const head = header(sheet, REPORT_HEADER, [4, 6, 8]).number;
  sheet.getRow(head).getCell(3).alignment = { horizontal: 'right', vertical: 'bottom' };
  if (data.pmp.length === 0) note(sheet, notKnown('no PMP summary was collected on or before this day'), REPORT_HEADER.length);
  for (const m of data.pmp) {
    const cells = ([[m.change7, m.direction7, 7], [m.change30, m.direction30, 30], [m.change90, m.direction90, 90]] as const).flatMap(([change, direction, days]) => {
      if (direction === null) return ['not known', ''];
      void days;
      const shown = change === null ? '' : m.kind === 'epoch_ms' ? `${change >= 0 ? '+' : ''}${Math.round(change / 864e4) / 10} days` : change;
      return [shown, ARROWS[direction] ?? direction];
    });
    const row = sheet.addRow([m.instance, m.metric, m.valueText ?? 'not known', ...cells]);
    row.getCell(3).alignment = { horizontal: 'right' };
    [4, 6, 8].forEach((c) => {
      const cell = row.getCell(c);
      if (typeof cell.value === 'string' && cell.value.startsWith('not known')) cell.font = { italic: true, color: { argb: 'FF7F7F7F' }, size: 9 };
      cell.alignment = { horizontal: 'right', wrapText: true };
    });
    [[5, m.direction7], [6 + 1, m.direction30], [9, m.direction90]].forEach(([c, direction]) => {
      const cell = row.getCell(c as number);
      cell.alignment = { horizontal: 'center' };
      if (direction !== 'up' && direction !== 'down') return;
      if (m.higherIsBetter === null) { cell.font = { bold: true }; return; }
      colourStatus(cell, (direction === 'up') === m.higherIsBetter ? 'green' : 'red');
    });
  }
  forPrint(sheet, data, generated, head);
}

export async function complianceWorkbook(data: ComplianceExport, { now = new Date(), paper = 'a4' }: { now?: Date; paper?: Paper } = {}): Promise<Buffer> {
  const generated = `${wallClock(now, data.timeZone ?? 'UTC')} (${data.timeZone ?? 'UTC'})`;
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'warehouse';
  workbook.created = now;
  summarySheet(workbook, data, generated);
  const charts = trendSheet(workbook, data, generated);
  checksSheet(workbook, data, generated);
  charts.push(...severitySheet(workbook, data, generated));
  recommendationsSheet(workbook, data, generated);
  reportSheet(workbook, data, generated);
  printOn(workbook, paper);
  fitCellsToExcel(workbook);
  const written = Buffer.from(await workbook.xlsx.writeBuffer());
  return charts.length === 0 ? written : addCharts(written, charts);
}
