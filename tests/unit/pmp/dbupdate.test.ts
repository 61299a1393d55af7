/** `/api/1.4/patch/dbupdatestatus` -> VulnDbStatusRow: ManageEngine's documented sample, PMP's placeholders, and what is refused. */
import { describe, expect, it } from 'vitest';
import { vulnDbFailureRow, vulnDbStatusRow } from '../../../collectors/pmp/dbupdate.js';

const AT = new Date('2025-09-08T12:00:00Z');
/** The sample response of the Endpoint Central help page "Retrieve Patch Database Update Status". */
const SAMPLE = {
  dbupdatestatus: {
    last_db_update_status: 'Success', next_db_update_scheduled_time: 1757397540000,
    is_auto_db_update_disabled: false, last_db_update_time: 1757311200000,
  },
};

describe('PMP dbupdatestatus', () => {
  it('maps the documented sample', () => {
    expect(vulnDbStatusRow(SAMPLE, AT)).toEqual({
      fetchedAt: AT, lastUpdateStatus: 'Success', lastUpdateAt: new Date(1757311200000), nextUpdateAt: new Date(1757397540000),
      autoUpdateDisabled: false, fetchError: null,
    });
  });

  it('reads "--", missing fields and "true"/"false" strings as PMP writes them', () => {
    expect(vulnDbStatusRow({ dbupdatestatus: { last_db_update_status: '--', next_db_update_scheduled_time: '--', is_auto_db_update_disabled: 'true' } }, AT))
      .toMatchObject({ lastUpdateStatus: null, lastUpdateAt: null, nextUpdateAt: null, autoUpdateDisabled: true });
  });

  it('refuses an answer without the object, or with times that are not epoch milliseconds', () => {
    expect(() => vulnDbStatusRow({}, AT)).toThrow(/message_response.dbupdatestatus is missing/u);
    expect(() => vulnDbStatusRow({ dbupdatestatus: [] }, AT)).toThrow(/not an object/u);
    expect(() => vulnDbStatusRow({ dbupdatestatus: { last_db_update_time: 1757311200 } }, AT)).toThrow(/last_db_update_time is 1757311200, not epoch milliseconds/u);
    expect(() => vulnDbStatusRow({ dbupdatestatus: { last_db_update_time: 'yesterday' } }, AT)).toThrow(/not epoch milliseconds/u);
  });

  it('records a failure as a row of nulls with the reason', () => {
    expect(vulnDbFailureRow('refused with 403', AT)).toEqual({
      fetchedAt: AT, lastUpdateStatus: null, lastUpdateAt: null, nextUpdateAt: null, autoUpdateDisabled: null, fetchError: 'refused with 403',
    });
  });
});
