/**
 * The nightly and the verbs tell what a rollup or a retention left undone with the same functions:
 * the exit code (3 for work left) and the operator's lines on stderr.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportRetention, reportRollup } from '../../bin/commands/rollup.js';
import type { RetentionResult } from '../../rollups/retention.js';
import type { RollupResult } from '../../rollups/run.js';
import { EXIT } from '../../warehouse/errors.js';

function captureStderr(): { text: () => string } {
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { lines.push(String(chunk)); return true; });
  return { text: () => lines.join('') };
}

afterEach(() => { vi.restoreAllMocks(); });

const rolled = (over: Partial<RollupResult>): RollupResult => ({ days: 1, rows: 4, missing: [], months: [], exposure: { days: [], rows: 0 }, patchScope: { days: [], rows: 0 }, patchDevices: { instances: [], rows: 0 }, ...over });

describe('reportRollup', () => {
  it('is silent and 0 when nothing is missing', () => {
    const err = captureStderr();
    expect(reportRollup(rolled({}))).toBe(EXIT.ok);
    expect(err.text()).toBe('');
  });

  it('names the missing source-days, says what to do, and is 3', () => {
    const err = captureStderr();
    expect(reportRollup(rolled({ missing: [{ day: '2026-11-30', source: 'pmp', instance: 'default' }] }))).toBe(EXIT.partial);
    expect(err.text()).toMatch(/^warehouse: incomplete: 1 source-day\(s\) missing \(2026-11-30 pmp\); counted what was published\n→ .*cannot be recovered/u);
  });

  it('says a closed month was left as invoiced', () => {
    const err = captureStderr();
    const months = [{ month: '2026-10', materialised: [], skippedClosed: true }] as unknown as RollupResult['months'];
    expect(reportRollup(rolled({ months }))).toBe(EXIT.ok);
    expect(err.text()).toMatch(/month-end of closed month\(s\) 2026-10 left as invoiced/u);
  });
});

describe('reportRetention', () => {
  it('is 3 with the line and the hint when a partition was busy, 0 and silent otherwise', () => {
    const err = captureStderr();
    const base = { plan: {}, dropped: [], busy: [], pendingDays: [] } as unknown as RetentionResult;
    expect(reportRetention(base)).toBe(EXIT.ok);
    expect(err.text()).toBe('');
    expect(reportRetention({ ...base, busy: ['core.device_days_20260901'], pendingDays: ['2026-09-01'] })).toBe(EXIT.partial);
    expect(err.text()).toMatch(/retention incomplete: 1 expired day\(s\) kept whole \(2026-09-01\).*\n→ Nothing to do: retention retries tomorrow/u);
  });
});
