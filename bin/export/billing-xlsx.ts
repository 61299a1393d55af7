/**
 * The billing export as an xlsx workbook to attach to invoices: a Summary sheet (one line per client
 * and source, with totals, and the billing policy in words) and one sheet per client (its seats per
 * source, then every device at the month-end, by host name, with why it was or was not billed).
 * Totals are SUM formulas that carry their computed result, so the sheet stays live in Excel and a
 * reader without a formula engine sees the numbers.
 *
 * It is printed (or saved as PDF) for invoices, so every sheet is set up for paper: landscape A4 or Letter,
 * one page wide and as many long as it takes, the table's header repeated on every page and frozen
 * on screen, long values (ThreatLocker's GUIDs, reasons, rule descriptions) wrapped in bounded
 * columns rather than widening the page until the print shrinks to nothing.
 */
import ExcelJS from 'exceljs';
import type { BillingExport, DeviceLine, SummaryLine } from './billing-data.js';
import { policyInWords, total } from './billing-data.js';
import { fitCellsToExcel } from './excel-text.js';
import { header, printOn, title, WRAP, type Paper } from './xlsx-page.js';
import { wallClock } from '../../warehouse/time.js';

export const SUMMARY_SHEET = 'Summary';
export const SUMMARY_HEADER = ['Client', 'Reference', 'Source', 'Instance', 'Workstations', 'Servers', 'Billable seats', 'Spares', 'Total devices', 'Previous month', 'Change', 'Month-end day', 'Last day of month'];
export const CLIENT_HEADER = ['Source', 'Instance', 'Workstations', 'Servers', 'Billable seats', 'Spares', 'Total devices', 'Previous month', 'Change'];
export const DEVICE_HEADER = ['Host name', 'Display name', 'Source', 'Instance', 'Vendor id', 'Class', 'Billing status', 'Reason', 'Spare rule', 'Month-end day', 'Stale'];
export const TOTAL_LABEL = 'TOTAL';

/** Column widths (characters); the sum decides how far fit-to-width shrinks the print. */
const SUMMARY_WIDTHS = [30, 12, 12, 10, 13, 9, 10, 8, 10, 10, 8, 12, 10];
// Column 3 is Source in the device table and Workstations in the seats table above it: 13 keeps that
// header on one line (at 12 LibreOffice printed "Workstation" over a lone "s").
const CLIENT_WIDTHS = [20, 22, 13, 10, 19, 12, 12, 26, 28, 12, 18];
/** Columns whose values can be long and are wrapped (1-based): names, the vendor id, reason, spare rule, stale. */
const WRAPPED_SUMMARY = [1, 2];
const WRAPPED_DEVICE = [1, 2, 5, 8, 9, 11];
/** Numeric columns (1-based) of the seats tables: their headers are right-aligned over the right-aligned numbers. */
const NUMERIC_SUMMARY = [5, 6, 7, 8, 9, 10, 11];
const NUMERIC_CLIENT = [3, 4, 5, 6, 7, 8, 9];
/** The Summary's day columns, centred: left-aligned, a date ran into the right-aligned Change beside it. */
const CENTRED_SUMMARY = [12, 13];

export function monthTitle(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** Excel sheet names: at most 31 characters, none of : \ / ? * [ ], unique ignoring case. */
export function sheetName(name: string, taken: Set<string>): string {
  const base = name.replace(/[:\\/?*[\]]/gu, ' ').replace(/^'+|'+$/gu, '').replace(/\s+/gu, ' ').trim().slice(0, 31) || 'Client';
  let candidate = base;
  for (let n = 2; taken.has(candidate.toLowerCase()); n += 1) candidate = `${base.slice(0, 31 - String(n).length - 1)}~${n}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

function centre(row: ExcelJS.Row, columns: number[]): void {
  for (const c of columns) row.getCell(c).alignment = { ...row.getCell(c).alignment, horizontal: 'center' };
}

/** ~0.9 characters of the notes' 10-point italic per unit of column width. */
const NOTE_CHARS_PER_UNIT = 0.9;

/**
 * A totals row: SUM formulas over [first, last] in the given columns, each with its result. A column
 * with no value at all (no previous month-end yet) gets an empty total, not a 0 that reads as a figure.
 */
function totals(sheet: ExcelJS.Worksheet, labelColumn: number, columns: Array<[column: number, result: number | null]>, first: number, last: number): void {
  const row = sheet.addRow([]);
  row.getCell(labelColumn).value = TOTAL_LABEL;
  for (const [column, result] of columns) {
    if (result === null) continue;
    const letter = sheet.getColumn(column).letter;
    row.getCell(column).value = { formula: `SUM(${letter}${first}:${letter}${last})`, result };
  }
  row.font = { bold: true };
  row.eachCell((cell) => { cell.border = { top: { style: 'thin' } }; });
}

/** The numeric columns of a seats table and their totals, starting at `from` (Workstations). */
function seatTotals(lines: SummaryLine[], from: number): Array<[number, number | null]> {
  const fields = ['workstations', 'servers', 'billable', 'spares', 'total', 'previousBillable', 'change'] as const;
  return fields.map((field, i) => [from + i, lines.every((line) => line[field] === null) ? null : total(lines, field)]);
}

/**
 * Landscape (on the paper printOn sets), every column on one page wide, as many pages long as it takes, narrow margins, the
 * header row(s) repeated on every page and each page numbered with its sheet's name.
 */
function forPrint(sheet: ExcelJS.Worksheet, headerRow: number, widths: number[]): void {
  widths.forEach((w, i) => { sheet.getColumn(i + 1).width = w; });
  sheet.pageSetup = {
    ...sheet.pageSetup,
    orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0,
    margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.6, header: 0.2, footer: 0.25 },
    printTitlesRow: `${headerRow}:${headerRow}`,
  };
  sheet.views = [{ state: 'frozen', ySplit: headerRow, xSplit: 0 }];
  sheet.headerFooter = { oddFooter: '&L&A&RPage &P of &N', evenFooter: '&L&A&RPage &P of &N' };
}

/** Points per line of the default 11-point font, and Excel's tallest row. */
const LINE_POINTS = 15;
const MAX_ROW_POINTS = 409;

/**
 * Wrap the long columns and make the row tall enough for its longest wrapped value: neither Excel
 * nor LibreOffice grows a row written by exceljs, so a wrapped GUID would print over the next row.
 */
function wrap(row: ExcelJS.Row, columns: number[], widths: number[]): void {
  let lines = 1;
  // Every cell of a tall row starts at its top, beside the first line of the wrapped ones.
  row.eachCell({ includeEmpty: true }, (cell) => { cell.alignment = { vertical: 'top' }; });
  for (const c of columns) {
    const cell = row.getCell(c);
    cell.alignment = WRAP;
    const text = cell.value === null || cell.value === undefined ? '' : String(cell.value);
    lines = Math.max(lines, Math.ceil(text.length / Math.max(1, (widths[c - 1] ?? 10) - 1)));
  }
  if (lines > 1) row.height = Math.min(MAX_ROW_POINTS, lines * LINE_POINTS);
}

function status(data: BillingExport): string {
  const day = [...new Set(data.summary.map((s) => s.monthEndDay))].sort().join(', ');
  const exact = data.summary.every((s) => s.isExact) ? 'the last day of the month' : 'not every source reached the last day of the month';
  const closed = data.closed
    ? `closed (invoiced): these figures are frozen${data.seal ? `, sealed SHA-256 ${data.seal.digest} (check with \`warehouse billing verify ${data.month}\`)` : ''}`
    : `not closed: figures may still change until \`warehouse billing close ${data.month}\``;
  return `Month-end snapshot ${day} (${exact}); ${closed}. Generated ${wallClock(new Date(), data.timeZone ?? 'UTC')} (${data.timeZone ?? 'UTC'}).`;
}

function policyNotes(data: BillingExport): string[] {
  const words = policyInWords(data.policy);
  if (data.policyOfClose) words.push('This is the billing policy the month was judged by, recorded when it was closed (or last rewritten with --force).');
  // Closed before the policy was recorded on the close: the settings may have moved on since.
  else if (data.closed) words.push('This is the billing policy as it stands now; the month was judged by the policy in force when it was closed, as each device\'s status and reason show.');
  return words;
}

function summarySheet(workbook: ExcelJS.Workbook, data: BillingExport): void {
  const sheet = workbook.addWorksheet(SUMMARY_SHEET);
  SUMMARY_WIDTHS.forEach((w, i) => { sheet.getColumn(i + 1).width = w; });
  title(sheet, `Billable seats, ${monthTitle(data.month)}${data.site ? `, ${data.site.name}` : ''}`, [status(data), ...policyNotes(data)], SUMMARY_HEADER.length, NOTE_CHARS_PER_UNIT);
  const head = header(sheet, SUMMARY_HEADER, NUMERIC_SUMMARY, CENTRED_SUMMARY).number;
  const first = sheet.rowCount + 1;
  for (const s of data.summary) {
    const row = sheet.addRow([s.site, s.reference, s.source, s.instance, s.workstations, s.servers, s.billable, s.spares, s.total, s.previousBillable, s.change, s.monthEndDay, s.isExact ? 'yes' : 'no']);
    wrap(row, WRAPPED_SUMMARY, SUMMARY_WIDTHS);
    centre(row, CENTRED_SUMMARY);
  }
  const last = sheet.rowCount;
  sheet.autoFilter = { from: { row: head, column: 1 }, to: { row: last, column: SUMMARY_HEADER.length } };
  totals(sheet, 1, seatTotals(data.summary, 5), first, last);
  forPrint(sheet, head, SUMMARY_WIDTHS);
}

function clientSheet(workbook: ExcelJS.Workbook, name: string, month: string, lines: SummaryLine[], devices: DeviceLine[]): void {
  const client = lines[0]?.site ?? name;
  const reference = lines[0]?.reference;
  const sheet = workbook.addWorksheet(name);
  CLIENT_WIDTHS.forEach((w, i) => { sheet.getColumn(i + 1).width = w; });
  title(sheet, `${client}${reference ? ` (reference ${reference})` : ''}, ${monthTitle(month)}`,
    ['Billable seats per source at the month-end, then every device in that snapshot, by host name, and why it was or was not billed.'], DEVICE_HEADER.length, NOTE_CHARS_PER_UNIT);
  header(sheet, CLIENT_HEADER, NUMERIC_CLIENT);
  const first = sheet.rowCount + 1;
  for (const s of lines) sheet.addRow([s.source, s.instance, s.workstations, s.servers, s.billable, s.spares, s.total, s.previousBillable, s.change]);
  totals(sheet, 1, seatTotals(lines, 3), first, sheet.rowCount);
  sheet.addRow([]);
  const deviceHeader = header(sheet, DEVICE_HEADER).number;
  for (const d of devices) {
    wrap(sheet.addRow([d.hostname, d.displayName, d.source, d.instance, d.vendorId, d.deviceClass, d.billingStatus, d.reason, d.spareRule, d.monthEndDay,
      d.isStale ? `stale: last contact ${d.lastContactAt?.slice(0, 10) ?? 'unknown'}` : '']), WRAPPED_DEVICE, CLIENT_WIDTHS);
  }
  sheet.autoFilter = { from: { row: deviceHeader, column: 1 }, to: { row: Math.max(sheet.rowCount, deviceHeader), column: DEVICE_HEADER.length } };
  const count = (status: string) => devices.filter((d) => d.billingStatus === status).length;
  sheet.addRow([]);
  sheet.addRow([`${devices.length} devices: ${count('billable')} billable, ${count('spare')} spare, ${devices.length - count('billable') - count('spare')} not billed.`]).font = { bold: true };
  forPrint(sheet, deviceHeader, CLIENT_WIDTHS);
}

export async function billingWorkbook(data: BillingExport, paper: Paper = 'a4'): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'warehouse';
  workbook.created = new Date();
  summarySheet(workbook, data);
  const taken = new Set([SUMMARY_SHEET.toLowerCase()]);
  const sites = [...new Map(data.summary.map((s) => [s.siteId, s.site])).entries()];
  for (const [siteId, site] of sites) {
    clientSheet(workbook, sheetName(site, taken), data.month, data.summary.filter((s) => s.siteId === siteId), data.devices.filter((d) => d.siteId === siteId));
  }
  printOn(workbook, paper);
  fitCellsToExcel(workbook);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
