/** Previous / next links for a paged table, keeping the page's filters in the query string. */
import { MAX_OFFSET } from '../params.js';
import { href, html, num, type Html } from '../html.js';

export function pager(pathname: string, filters: Record<string, string | number | undefined | null>, paging: { size: number; page: number; offset: number }, total: number): Html {
  const last = Math.max(1, Math.ceil(total / paging.size));
  const reachable = Math.min(last, Math.floor(MAX_OFFSET / paging.size) + 1);
  const link = (page: number, text: string) => html`<a href="${href(pathname, { ...filters, page: page === 1 ? null : page, size: paging.size === 50 ? null : paging.size })}">${text}</a>`;
  const from = total === 0 ? 0 : paging.offset + 1;
  const to = Math.min(total, paging.offset + paging.size);
  return html`<p class="pager">${num(from)}–${num(to)} of ${num(total)}
${paging.page > 1 ? link(paging.page - 1, '← previous') : ''} ${paging.page < reachable ? link(paging.page + 1, 'next →') : ''}
${reachable < last ? html`<span class="note">(pages past ${num(reachable)} are not offered: narrow the filters)</span>` : ''}</p>`;
}
