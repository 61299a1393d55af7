/**
 * What `warehouse sites reference` does: set or clear a site's client reference, the code the MSP's
 * own books (accounting, PSA) know the client by, so a billing sheet's line finds its invoice. The
 * code is typed by an operator, often pasted: control characters (a pasted tab or newline) become a
 * space, runs of spaces one, the ends are trimmed; what is still empty or longer than the cap is
 * refused, never cut (a cut code would silently name another client).
 */
import { UsageError } from '../errors.js';
import { suggestSite } from './suggest.js';
import { siteByName, type Tx } from './mapping.js';

/** Also the database's check (core.sites sites_reference_shape). */
export const REFERENCE_MAX = 64;

export function cleanReference(raw: string): string {
  // eslint-disable-next-line no-control-regex
  const code = raw.replace(/[\u0000-\u001f\u007f-\u009f]/gu, ' ').replace(/\s+/gu, ' ').trim();
  if (code === '') throw new UsageError('the client reference is empty', 'Give the code, e.g. `warehouse sites reference "Harbour Dental" C-1042`, or `--clear` to remove it.');
  if (code.length > REFERENCE_MAX) {
    throw new UsageError(`the client reference is ${code.length} characters; at most ${REFERENCE_MAX} are kept`, 'Use the short code your accounting or PSA tool knows the client by.');
  }
  return code;
}

export interface ReferenceChange { siteId: number; site: string; previous: string | null; reference: string | null }

/** Set (a code) or clear (null) the reference of the site named `site` (its name, case-insensitive, or its id). */
export async function setSiteReference(tx: Tx, site: string, reference: string | null): Promise<ReferenceChange> {
  const byId = /^\d{1,9}$/u.test(site.trim())
    ? (await tx<{ site_id: number; name: string }[]>`select site_id, name from core.sites where site_id = ${Number(site.trim())} and not is_unmapped`)[0]
    : undefined;
  const found = byId ? { siteId: byId.site_id, name: byId.name } : await siteByName(tx, site, false);
  if (!found) throw new UsageError(`no site is named "${site}"`, await hint(tx, site));
  const [row] = await tx<{ previous: string | null }[]>`
    select reference as previous from core.sites where site_id = ${found.siteId} for update`;
  if ((row?.previous ?? null) !== reference) await tx`update core.sites set reference = ${reference} where site_id = ${found.siteId}`;
  return { siteId: found.siteId, site: found.name, previous: row?.previous ?? null, reference };
}

async function hint(tx: Tx, name: string): Promise<string> {
  const names = (await tx<{ name: string }[]>`select name from core.sites where not is_unmapped order by name`).map((r) => r.name);
  return suggestSite(name, names);
}
