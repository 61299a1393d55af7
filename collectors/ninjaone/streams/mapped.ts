import { PayloadError } from '../../../warehouse/errors.js';
import type { DeviceRow } from '../../shared/rows.js';
import type { CollectContext } from '../../../warehouse/run/source.js';
import { MappingError } from '../map.js';
import { attempt, describeType, isRecord } from '../../shared/fields.js';

/** Run a mapper; a payload it cannot map without guessing fails the run as a PayloadError. */
export function mapped<T>(map: () => T): T {
  try {
    return map();
  } catch (error) {
    if (error instanceof MappingError) throw new PayloadError('ninjaone', error.message, { cause: error });
    throw error;
  }
}

/**
 * Map a page of devices; a record the mapper cannot map (schema drift: a missing id, a changed type)
 * is quarantined with its reason and payload instead of failing the whole run. The warehouse refuses
 * the run if too many are.
 */
export async function quarantineUnmappable<T extends { id?: unknown }>(
  ctx: Pick<CollectContext<unknown>, 'sink'>, items: T[], map: (item: T) => DeviceRow,
): Promise<DeviceRow[]> {
  const rows: DeviceRow[] = [];
  for (const item of items) {
    const outcome = attempt(() => {
      if (!isRecord(item)) throw new MappingError(`device is ${describeType(item)}, expected an object`);
      return map(item);
    });
    if ('row' in outcome) {
      rows.push(outcome.row);
      continue;
    }
    const id: unknown = isRecord(item) ? item.id : undefined;
    const vendorId = typeof id === 'number' || (typeof id === 'string' && id !== '') ? String(id) : null;
    await ctx.sink.quarantine('devices', { vendorId, reason: outcome.reason, payload: item });
  }
  return rows;
}
