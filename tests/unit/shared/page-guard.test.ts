import { describe, expect, it } from 'vitest';
import { PagingLoopError, createPageGuard } from '../../../collectors/shared/page-guard.js';
import { EXIT, exitCodeOf } from '../../../warehouse/errors.js';

const thrown = (fn: () => void): PagingLoopError => {
  try {
    fn();
  } catch (error) {
    return error as PagingLoopError;
  }
  throw new Error('expected a PagingLoopError');
};

describe('page guard', () => {
  it('accepts pages that differ, cursors kept as a session, and positions that grow', () => {
    const guard = createPageGuard('ninjaone', 'v2/queries/os-patches');
    guard.accept({ number: 1, items: [{ id: 'a' }], cursor: 'c1', position: 0 });
    guard.accept({ number: 2, items: [{ id: 'b' }], cursor: 'c1', position: 1 });
    guard.accept({ number: 3, items: [{ id: 'c' }], cursor: 'c2', position: 2 });
    guard.accept({ number: 4, items: [], cursor: 'c2' });
    guard.accept({ number: 5, items: [] });
  });

  it('a non-empty page identical to an earlier one is a loop (exit 7, naming the endpoint and both pages)', () => {
    const guard = createPageGuard('threatlocker', 'Computer/ComputerGetByAllParameters');
    guard.accept({ number: 1, items: [{ id: 1 }, { id: 2 }] });
    guard.accept({ number: 2, items: [{ id: 3 }] });
    const error = thrown(() => guard.accept({ number: 3, items: [{ id: 1 }, { id: 2 }] }));
    expect(error).toBeInstanceOf(PagingLoopError);
    expect(exitCodeOf(error)).toBe(EXIT.vendorUnavailable);
    expect(error.message).toBe("threatlocker: Computer/ComputerGetByAllParameters returned page 3 again (identical to page 1): the vendor's paging is looping; nothing was published");
    expect(error.hint).toMatch(/report it to threatlocker/u);
  });

  it('compares pages by the identity given, so fresher fields do not hide a repeat', () => {
    const guard = createPageGuard('threatlocker', 'x', (row) => String((row as { id: number }).id));
    guard.accept({ number: 1, items: [{ id: 1, seen: 'a' }] });
    expect(() => guard.accept({ number: 2, items: [{ id: 1, seen: 'b' }] })).toThrow(/page 2 again \(identical to page 1\)/u);
    expect(guard.earlierCopyOf([{ id: 1, seen: 'c' }])).toBe(1);
    expect(guard.earlierCopyOf([{ id: 2 }])).toBeUndefined();
  });

  it('a cursor name handed back after another was used is a loop', () => {
    const guard = createPageGuard('ninjaone', 'v2/queries/os-patches');
    guard.accept({ number: 1, items: [{ id: 'a' }], cursor: 'one' });
    guard.accept({ number: 2, items: [{ id: 'b' }], cursor: 'two' });
    expect(() => guard.accept({ number: 3, items: [{ id: 'c' }], cursor: 'one' }))
      .toThrow(/v2\/queries\/os-patches returned page 3 with cursor one \(seen before, with page 1\)/u);
  });

  it('a position that does not grow is a loop', () => {
    const guard = createPageGuard('pmp', '/api/1.4/patch/allsystems');
    guard.accept({ number: 1, items: [{ r: 1 }], position: 1 });
    expect(() => guard.accept({ number: 2, items: [{ r: 2 }], position: 1 }))
      .toThrow(/allsystems returned page 2 without advancing \(position 1 after 1 on page 1\)/u);
  });

  it('identical empty pages are not repeats (an empty page only ends the stream)', () => {
    const guard = createPageGuard('pmp', 'p');
    guard.accept({ number: 1, items: [] });
    guard.accept({ number: 2, items: [] });
    expect(guard.earlierCopyOf([])).toBeUndefined();
  });

  it('keeps a bounded number of digests: a very long stream stays cheap and never false-alarms', () => {
    const guard = createPageGuard('ninjaone', 'v2/devices-detailed');
    for (let n = 1; n <= 60_000; n++) guard.accept({ number: n, items: [n], position: n });
    // Past the bound new pages are not remembered, but early ones still are.
    expect(guard.earlierCopyOf([1])).toBe(1);
    expect(guard.earlierCopyOf([59_999])).toBeUndefined();
  });

  it('a position with no documented meaning is held to growing only once it has grown', () => {
    const constant = createPageGuard('ninjaone', 'v2/queries/os-patches', undefined, { position: 'once-growing' });
    for (const number of [1, 2, 3]) constant.accept({ number, items: [{ id: number }], position: 0 });
    const stalls = createPageGuard('ninjaone', 'v2/queries/os-patches', undefined, { position: 'once-growing' });
    stalls.accept({ number: 1, items: [{ id: 1 }], position: 0 });
    stalls.accept({ number: 2, items: [{ id: 2 }], position: 10 });
    expect(() => stalls.accept({ number: 3, items: [{ id: 3 }], position: 10 })).toThrow(/page 3 without advancing \(position 10 after 10 on page 2\)/u);
  });
});
