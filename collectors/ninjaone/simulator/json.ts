/**
 * NinjaOne prints instants as epoch seconds with a fraction, often padded to nine decimals
 * (`1759136775.901000000`, vendor-apis.md §1.8). JSON.stringify cannot print trailing zeros, so
 * timestamp fields are swapped for markers and the markers for raw number text afterwards.
 */
import { hashUnit } from '../../simulation/random.js';

const TIMESTAMP_KEYS = new Set(['created', 'lastContact', 'lastUpdate', 'lastBootTime', 'timestamp', 'installedAt', 'expires', 'start', 'end']);
const MARKER = /"@@ts:([0-9.]+)@@"/gu;

/** Seconds (a JS number with millisecond precision) as NinjaOne prints them. */
export function formatEpochSeconds(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const whole = Math.floor(ms / 1000);
  const fraction = String(ms - whole * 1000).padStart(3, '0');
  // About half the values carry nine decimals, like the genuine samples; the rest three.
  return hashUnit(ms, 'precision') < 0.5 ? `${whole}.${fraction}000000` : `${whole}.${fraction}`;
}

export function ninjaJson(value: unknown): string {
  const text = JSON.stringify(value, (key, item: unknown) =>
    (TIMESTAMP_KEYS.has(key) && typeof item === 'number' ? `@@ts:${formatEpochSeconds(item)}@@` : item));
  return text.replace(MARKER, '$1');
}

/** Epoch ms -> the seconds value stored in payloads (fractional, millisecond precision). */
export function toSeconds(ms: number): number {
  return ms / 1000;
}
