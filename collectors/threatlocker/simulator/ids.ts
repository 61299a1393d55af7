/** Deterministic GUIDs and ThreatLocker-style timestamps for the simulator. */
import { hashInt } from '../../simulation/random.js';

/** A version-4-shaped GUID that is a pure function of its parts (lower case, as ThreatLocker sends them). */
export function guidOf(...parts: (string | number)[]): string {
  const hex = (i: number, digits: number): string =>
    hashInt(0, 16 ** digits - 1, ...parts, 'guid', i).toString(16).padStart(digits, '0');
  const variant = (8 + hashInt(0, 3, ...parts, 'guid-v')).toString(16);
  return `${hex(0, 8)}-${hex(1, 4)}-4${hex(2, 3)}-${variant}${hex(3, 3)}-${hex(4, 6)}${hex(5, 6)}`;
}

/** ISO-8601 UTC with `Z`, to the second ("2025-09-06T02:43:00Z"), as ThreatLocker usually sends. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/u, 'Z');
}

/** ISO-8601 UTC with microseconds ("2025-09-06T02:43:57.435815Z"), as some fields sometimes carry. */
export function isoMicros(ms: number, extraMicros: number): string {
  const base = new Date(ms).toISOString();
  return `${base.slice(0, 23)}${String(extraMicros % 1000).padStart(3, '0')}Z`;
}
