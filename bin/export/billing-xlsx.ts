/**
 * The billing export as an xlsx workbook to attach to invoices: a Summary sheet (one line per client
 * and source, with totals) and one sheet per client (its seats per source, then every device at the
 * month-end with why it was or was not billed). Totals are SUM formulas that carry their computed
 * result, so the sheet stays live in Excel and a reader without a formula engine sees the numbers.
 */
import ExcelJS from 'exceljs';
import type { BillingExport, DeviceLine, SummaryLine } from './billing-data.js';
import { total } from './billing-data.js';
import { fitCellsToExcel } from './excel-text.js';

export const SUMMARY_SHEET = 'Summary';
export const SUMMARY_HEADER = ['Client', 'Source', 'Instance', 'Workstations', 'Servers', 'Billable seats', 'Spares', 'Total devices', 'Previous month', 'Change', 'Month-end day', 'Last day of month'];
export const CLIENT_HEADER = ['Source', 'Instance', 'Workstations', 'Servers', 'Billable seats', 'Spares', 'Total devices', 'Previous month', 'Change'];
export const DEVICE_HEADER = ['Source', 'Instance', 'Vendor id', 'Host name', 'Display name', 'Class', 'Billing status', 'Reason', 'Spare rule', 'Month-end day', 'Stale'];
export const TOTAL_LABEL = 'TOTAL';

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

function header(sheet: ExcelJS.Worksheet, values: string[]): ExcelJS.Row {
  const row = sheet.addRow(values);
  row.font = { bold: true };
  row.eachCell((cell) => {
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF4' } };
    cell.border = { bottom: { style: 'thin' } };
  });
  return row;
}

function title(sheet: ExcelJS.Worksheet, text: string, note: string): void {
  sheet.addRow([text]).font = { bold: true, size: 14 };
  sheet.addRow([note]).font = { italic: true, color: { argb: 'FF555555' } };
  sheet.addRow([]);
}

/** A totals row: SUM formulas over [first, last] in the given columns, each with its result. */
function totals(sheet: ExcelJS.Worksheet, labelColumn: number, columns: Array<[column: number, result: number]>, first: number, last: number): void {
  const row = sheet.addRow([]);
  row.getCell(labelColumn).value = TOTAL_LABEL;
  for (const [column, result] of columns) {
    const letter = sheet.getColumn(column).letter;
    row.getCell(column).value = { formula: `SUM(${letter}${first}:${letter}${last})`, result };
  }
  row.font = { bold: true };
  row.eachCell((cell) => { cell.border = { top: { style: 'thin' } }; });
}

/** Printed (or saved as PDF) for an invoice: landscape, every column on one page wide, as many pages long as it takes. */
const PRINTED: Partial<ExcelJS.PageSetup> = { orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, paperSize: 9 };

function widths(sheet: ExcelJS.Worksheet, values: number[]): void {
  values.forEach((w, i) => { sheet.getColumn(i + 1).width = w; });
}

function status(data: BillingExport): string {
  const day = [...new Set(data.summary.map((s) => s.monthEndDay))].sort().join(', ');
  const exact = data.summary.every((s) => s.isExact) ? 'the last day of the month' : 'not every source reached the last day of the month';
  const closed = data.closed
    ? `closed (invoiced): these figures are frozen${data.seal ? `, sealed SHA-256 ${data.seal.digest} (check with \`warehouse billing verify ${data.month}\`)` : ''}`
    : `not closed: figures may still change until \`warehouse billing close ${data.month}\``;
  return `Month-end snapshot ${day} (${exact}); ${closed}. Generated ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`;
}

function summarySheet(workbook: ExcelJS.Workbook, data: BillingExport): void {
  const sheet = workbook.addWorksheet(SUMMARY_SHEET, { views: [{ state: 'frozen', ySplit: 4 }], pageSetup: PRINTED });
  title(sheet, `Billable seats, ${monthTitle(data.month)}${data.site ? `, ${data.site.name}` : ''}`, status(data));
  header(sheet, SUMMARY_HEADER);
  const first = sheet.rowCount + 1;
  for (const s of data.summary) {
    sheet.addRow([s.site, s.source, s.instance, s.workstations, s.servers, s.billable, s.spares, s.total, s.previousBillable, s.change, s.monthEndDay, s.isExact ? 'yes' : 'no']);
  }
  const last = sheet.rowCount;
  sheet.autoFilter = { from: { row: 4, column: 1 }, to: { row: last, column: SUMMARY_HEADER.length } };
  totals(sheet, 1, [[4, total(data.summary, 'workstations')], [5, total(data.summary, 'servers')], [6, total(data.summary, 'billable')],
    [7, total(data.summary, 'spares')], [8, total(data.summary, 'total')]], first, last);
  widths(sheet, [34, 14, 10, 13, 9, 14, 8, 13, 15, 8, 14, 16]);
}

function clientSheet(workbook: ExcelJS.Workbook, name: string, month: string, lines: SummaryLine[], devices: DeviceLine[]): void {
  const client = lines[0]?.site ?? name;
  const sheet = workbook.addWorksheet(name, { pageSetup: PRINTED });
  title(sheet, `${client}, ${monthTitle(month)}`, 'Billable seats per source at the month-end, then every device in that snapshot and why it was or was not billed.');
  header(sheet, CLIENT_HEADER);
  const first = sheet.rowCount + 1;
  for (const s of lines) sheet.addRow([s.source, s.instance, s.workstations, s.servers, s.billable, s.spares, s.total, s.previousBillable, s.change]);
  totals(sheet, 1, [[3, total(lines, 'workstations')], [4, total(lines, 'servers')], [5, total(lines, 'billable')], [6, total(lines, 'spares')], [7, total(lines, 'total')]], first, sheet.rowCount);
  sheet.addRow([]);
  const deviceHeader = header(sheet, DEVICE_HEADER).number;
  for (const d of devices) {
    sheet.addRow([d.source, d.instance, d.vendorId, d.hostname, d.displayName, d.deviceClass, d.billingStatus, d.reason, d.spareRule, d.monthEndDay,
      d.isStale ? `stale: last contact ${d.lastContactAt?.slice(0, 10) ?? 'unknown'}` : '']);
  }
  sheet.autoFilter = { from: { row: deviceHeader, column: 1 }, to: { row: Math.max(sheet.rowCount, deviceHeader), column: DEVICE_HEADER.length } };
  widths(sheet, [14, 10, 14, 22, 28, 13, 14, 30, 34, 14, 26]);
}

export async function billingWorkbook(data: BillingExport): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'warehouse';
  workbook.created = new Date();
  summarySheet(workbook, data);
  const taken = new Set([SUMMARY_SHEET.toLowerCase()]);
  const sites = [...new Map(data.summary.map((s) => [s.siteId, s.site])).entries()];
  for (const [siteId, site] of sites) {
    clientSheet(workbook, sheetName(site, taken), data.month, data.summary.filter((s) => s.siteId === siteId), data.devices.filter((d) => d.siteId === siteId));
  }
  fitCellsToExcel(workbook);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
