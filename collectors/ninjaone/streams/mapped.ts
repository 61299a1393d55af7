import { PayloadError } from '../../../warehouse/errors.js';
import { MappingError } from '../map.js';

/** Run a mapper; a payload it cannot map without guessing fails the run as a PayloadError. */
export function mapped<T>(map: () => T): T {
  try {
    return map();
  } catch (error) {
    if (error instanceof MappingError) throw new PayloadError('ninjaone', error.message, { cause: error });
    throw error;
  }
}
