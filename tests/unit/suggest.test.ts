import { describe, expect, it } from 'vitest';
import { suggestSite } from '../../warehouse/sites/suggest.js';

const SITES = ['Harbour Dental Pty Ltd', 'Smith & Jones', 'Bluegum Accounting', 'Acme Pty Ltd'];

describe('suggestSite', () => {
  it.each([
    ['Harbor Dental', 'Harbour Dental Pty Ltd'],
    ['dental', 'Harbour Dental Pty Ltd'],
    ['Smith and Jones', 'Smith & Jones'],
    ['acme', 'Acme Pty Ltd'],
    ['BLUEGUM ACCOUNTNG', 'Bluegum Accounting'],
  ])('"%s" suggests "%s"', (typed, meant) => {
    expect(suggestSite(typed, SITES)).toMatch(new RegExp(`^Did you mean "${meant}"`, 'u'));
  });

  it('points at the site list when nothing is near', () => {
    expect(suggestSite('Zebra Logistics', SITES)).toMatch(/warehouse sites list/u);
    expect(suggestSite('x', SITES)).toMatch(/warehouse sites list/u);
  });
});
