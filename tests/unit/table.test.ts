import { describe, expect, it } from 'vitest';
import { renderTable, shorten } from '../../bin/table.js';

describe('shorten', () => {
  it('keeps text that fits', () => {
    expect(shorten('billable server HIGH-FS01 has no agent', 72)).toBe('billable server HIGH-FS01 has no agent');
  });

  it('cuts at the last whole word and marks the cut', () => {
    const text = 'billable workstation HIGH-LT-0022 in NinjaOne has no ThreatLocker agent';
    const cut = shorten(text, 60);
    expect(cut).toBe('billable workstation HIGH-LT-0022 in NinjaOne has no…');
    expect(cut.length).toBeLessThanOrEqual(60);
    expect(text.startsWith(cut.slice(0, -1))).toBe(true);
  });

  it('cuts one long word where it must rather than dropping it', () => {
    const guid = 'device 0f8fad5b-d9cb-469f-a165-70867728950e-0f8fad5b-d9cb-469f-a165-70867728950e';
    const cut = shorten(guid, 30);
    expect(cut).toHaveLength(30);
    expect(cut.endsWith('…')).toBe(true);
  });
});

describe('renderTable', () => {
  it('right-aligns numbers and left-aligns text', () => {
    expect(renderTable([{ name: 'a', n: 1 }, { name: 'bbb', n: 100 }])).toBe('  name    n\n  ----  ---\n  a       1\n  bbb   100\n');
  });
});

describe('instants in a table', () => {
  it('are shown on the wall clock of the time zone given, UTC otherwise (daylight saving included)', () => {
    const at = new Date('2026-12-02T13:30:00Z');
    expect(renderTable([{ at }])).toContain('2026-12-02 13:30');
    expect(renderTable([{ at }], { timeZone: 'Australia/Sydney' })).toContain('2026-12-03 00:30');
    expect(renderTable([{ at: new Date('2026-07-02T13:30:00Z') }], { timeZone: 'Australia/Sydney' })).toContain('2026-07-02 23:30');
    expect(renderTable([{ at }], { timeZone: 'America/New_York' })).toContain('2026-12-02 08:30');
  });
});
