/**
 * The billing export as CSV: the summary (one line per client and source) and the device list (one
 * line per device, each carrying its client and source, so it filters and pivots on its own).
 * RFC 4180 quoting, CRLF, and a UTF-8 byte-order mark so Excel reads client names with accents.
 * Text that a spreadsheet would run as a formula (a vendor-supplied host name starting with =, +, -
 * or @) is prefixed with a quote: the file is opened by people, and the names come from endpoints.
 */
import type { BillingExport } from './billing-data.js';

type Cell = string | number | boolean | null;

export function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const safe = /^[=+\-@\t\r]/u.test(value) ? `'${value}` : value;
  return /[",\r\n]/u.test(safe) ? `"${safe.replace(/"/gu, '""')}"` : safe;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return `\ufeff${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

export function summaryCsv(data: BillingExport): string {
  return toCsv(
    ['month', 'client', 'source', 'instance', 'workstations', 'servers', 'billable', 'spares', 'total_devices', 'previous_billable', 'change', 'month_end_day', 'month_end_is_last_day', 'month_closed', 'seal_sha256', 'client_reference'],
    data.summary.map((s) => [data.month, s.site, s.source, s.instance, s.workstations, s.servers, s.billable, s.spares, s.total, s.previousBillable, s.change, s.monthEndDay, s.isExact, s.isClosed, data.seal?.digest ?? null, s.reference]),
  );
}

export function devicesCsv(data: BillingExport): string {
  return toCsv(
    ['month', 'client', 'source', 'instance', 'vendor_id', 'hostname', 'display_name', 'device_class', 'billing_status', 'reason', 'spare_rule', 'month_end_day', 'stale', 'last_contact', 'client_reference'],
    data.devices.map((d) => [data.month, d.site, d.source, d.instance, d.vendorId, d.hostname, d.displayName, d.deviceClass, d.billingStatus, d.reason, d.spareRule, d.monthEndDay, d.isStale, d.lastContactAt, d.reference]),
  );
}
