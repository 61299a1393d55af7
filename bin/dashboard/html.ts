/**
 * HTML built from tagged templates: every interpolated value is escaped unless it is already Html
 * (made by `html` itself), so a client or host name can never become markup. No inline script or
 * style anywhere: the CSP forbids both.
 */
import { wallClock } from '../../warehouse/time.js';

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Part = Html | string | number | bigint | boolean | null | undefined | Part[];

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/gu, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => { out += render(value) + (strings[i + 1] ?? ''); });
  return new Html(out);
}

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Whole numbers with thousands commas (1,234); empty for null. */
export function num(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  return INTEGER.format(Number(value));
}

/** A signed change (+3, −2, 0). */
export function signed(value: number | null | undefined): string {
  if (value === null || value === undefined) return '';
  return value > 0 ? `+${num(value)}` : num(value);
}

/** Change in per cent of the earlier value, one decimal; empty when the earlier value is 0. */
export function percent(change: number, before: number): string {
  if (before === 0) return change === 0 ? '0.0%' : 'new';
  const p = (change / before) * 100;
  return `${p > 0 ? '+' : ''}${p.toFixed(1)}%`;
}

/** An instant on the MSP's wall clock. */
export function when(value: Date | string | null | undefined, timeZone: string): string {
  if (value === null || value === undefined) return '';
  return wallClock(value instanceof Date ? value : new Date(value), timeZone);
}

/** A link within the dashboard with a query string; empty and undefined values are left out. */
export function href(pathname: string, query: Record<string, string | number | undefined | null> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `${pathname}?${text}` : pathname;
}

export interface Column<Row> {
  label: string;
  cell(row: Row): Part;
  numeric?: boolean;
}

/** A plain table: header, rows, an optional footer row (totals); numeric columns right-aligned. */
export function table<Row>(columns: Column<Row>[], rows: Row[], options: { footer?: Row; empty?: string; id?: string; groups?: Array<[label: string, span: number]> } = {}): Html {
  if (rows.length === 0) return html`<p class="empty">${options.empty ?? 'No rows.'}</p>`;
  const cls = (c: Column<Row>) => (c.numeric ? new Html(' class="num"') : '');
  const line = (row: Row) => html`<tr>${columns.map((c) => html`<td${cls(c)}>${c.cell(row)}</td>`)}</tr>`;
  const groups = options.groups ? html`<tr class="groups">${options.groups.map(([label, span]) => html`<th scope="colgroup" colspan="${span}"${label ? new Html(' class="group"') : ''}>${label}</th>`)}</tr>` : '';
  return html`<table${options.id ? new Html(` id="${escapeHtml(options.id)}"`) : ''}><thead>${groups}<tr>${columns.map((c) => html`<th${cls(c)} scope="col">${c.label}</th>`)}</tr></thead>
<tbody>${rows.map(line)}</tbody>${options.footer ? html`<tfoot>${line(options.footer)}</tfoot>` : ''}</table>`;
}

const NAV: Array<[path: string, label: string]> = [
  ['/', 'Today vs month-end'], ['/billing', 'Billing'], ['/devices', 'Devices'], ['/compliance', 'Compliance'], ['/coverage', 'Coverage'], ['/health', 'Health'],
];

/** The page around a body: navigation, the stylesheet, and only same-origin scripts. */
export function layout(title: string, active: string, body: Html, options: { scripts?: string[]; styles?: string[] } = {}): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · warehouse</title>
${(options.styles ?? []).map((s) => html`<link rel="stylesheet" href="${s}">`)}<link rel="stylesheet" href="/static/dashboard.css">
</head><body>
<header><span class="brand">warehouse</span><nav>${NAV.map(([path, label]) => html`<a href="${path}"${path === active ? new Html(' aria-current="page"') : ''}>${label}</a>`)}</nav></header>
<main><h1>${title}</h1>
${body}
</main>
<footer>Read only, from the <code>bi</code> views as <code>warehouse_reader</code>.</footer>
${(options.scripts ?? []).map((s) => html`<script src="${s}" defer></script>`)}
</body></html>`;
}

/** JSON for a <script type="application/json"> block: `<` escaped so no value can close the tag. */
export function jsonBlock(id: string, value: unknown): Html {
  const text = JSON.stringify(value).replace(/</gu, '\\u003c');
  return new Html(`<script type="application/json" id="${escapeHtml(id)}">${text}</script>`);
}
