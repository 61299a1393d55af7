/** Organisation names as vendors spell them: what must normalise alike, and what must not. */
import { describe, expect, it } from 'vitest';
import { normalizeOrgName } from '../../warehouse/sites/normalize.js';

describe('normalizeOrgName', () => {
  it.each([
    ['Smith & Jones LLC', 'Smith and Jones L.L.C.'],
    ['Smith & Jones LLC', 'SMITH AND JONES, LLC'],
    ['Smith & Jones LLC', 'smith & jones l l c'],
    ['Harbour Dental Pty Ltd', 'HARBOUR DENTAL PTY. LTD.'],
    ['Harbour Dental Pty Ltd', 'Harbour  Dental   '],
    ['Harbour Dental Pty Ltd', 'Harbour Dental Pty Limited'],
    ['Riverside Medical Centre, Inc.', 'riverside medical centre inc'],
    ["O'Brien Legal", 'OBrien Legal Ltd'],
    ['Café Nguyen', 'Cafe Nguyen'],
    ['A.B.C. Plumbing', 'ABC Plumbing'],
    ['Kowalski-Singh Freight', 'Kowalski Singh Freight'],
  ])('"%s" and "%s" name the same client', (a, b) => {
    expect(normalizeOrgName(a)).toBe(normalizeOrgName(b));
  });

  it.each([
    ['Bluegum Intl', 'Bluegum International'],
    ['St Kilda Motors', 'Saint Kilda Motors'],
    ['Harbour Dental', 'Harbour Dental Group'],
    ['Smith & Jones', 'Smith Jones'],
    ['Northside Legal', 'Northside Legal 2'],
    ['Summit Accounting', 'Sumit Accounting'],
  ])('"%s" and "%s" stay different (never guessed)', (a, b) => {
    expect(normalizeOrgName(a)).not.toBe(normalizeOrgName(b));
  });

  it('keeps a name that is only a legal suffix, and empties punctuation', () => {
    expect(normalizeOrgName('Limited')).toBe('limited');
    expect(normalizeOrgName(' -- ')).toBe('');
    expect(normalizeOrgName('Acme Co Pty Ltd')).toBe('acme');
  });
});
