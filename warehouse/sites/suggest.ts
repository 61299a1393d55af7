/**
 * "Did you mean …?" for a site typed by name, compared as the matcher compares organisation names
 * (normalised: case, punctuation, "and"/"&", legal suffixes): the names that contain what was typed
 * ("dental" → "Harbour Dental"), then those within a few edits of it ("Harbor Dental").
 */
import { closest } from '../suggest.js';
import { normalizeOrgName } from './normalize.js';

export function suggestSite(wanted: string, names: readonly string[]): string {
  const typed = normalizeOrgName(wanted);
  const byNormal = new Map(names.map((name) => [normalizeOrgName(name), name]));
  const containing = typed.length >= 3 ? names.filter((name) => normalizeOrgName(name).includes(typed)) : [];
  const near = closest(typed, [...byNormal.keys()]).map((normal) => byNormal.get(normal) as string);
  const exact = byNormal.get(typed);
  const picks = [...new Set([...(exact === undefined ? [] : [exact]), ...containing, ...near])].slice(0, 3);
  return picks.length > 0
    ? `Did you mean ${picks.map((name) => `"${name}"`).join(' or ')}?`
    : 'See `warehouse sites list` for the sites and their ids (a site id works too).';
}
