/**
 * Reading vendor fields whose type cannot be trusted. Each reader either returns the value (cleaned
 * text, coerced where the meaning is unambiguous: a number where text belongs becomes its decimal
 * string) or throws a FieldError naming the field and what arrived, so one drifted record is
 * quarantined with that reason instead of a TypeError failing the whole run.
 */
import { cleanText } from '../../warehouse/load/clean-text.js';

/** A record the mapper cannot turn into a row; its message is the quarantine reason. */
export class FieldError extends Error {}

/** What a mapper makes of one vendor record: a row, or the reason it is quarantined. */
export type Mapped<Row> = { row: Row } | { reason: string };

/** Run a mapper; a FieldError becomes the quarantine reason, anything else is a bug and propagates. */
export function attempt<Row>(map: () => Row): Mapped<Row> {
  try {
    return { row: map() };
  } catch (error) {
    if (error instanceof FieldError) return { reason: error.message };
    throw error;
  }
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Text (cleaned, kept as sent), a finite number as its decimal string, or null when absent or blank. */
export function optionalText(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value.trim() === '' ? null : cleanText(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw new FieldError(`${field} is ${describeType(value)}, expected a string`);
}

/** A finite number, or null when absent. */
export function optionalNumber(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new FieldError(`${field} is ${describeType(value)}, expected a number`);
}

/** A boolean, or null when absent. */
export function optionalBoolean(value: unknown, field: string): boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value;
  throw new FieldError(`${field} is ${describeType(value)}, expected true or false`);
}

/** A list of strings (cleaned); absent is empty, null items are skipped (null means no value). */
export function optionalTextList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new FieldError(`${field} is ${describeType(value)}, expected an array`);
  const out: string[] = [];
  value.forEach((item: unknown, index) => {
    if (item === null) return;
    if (typeof item !== 'string') throw new FieldError(`${field}[${index}] is ${describeType(item)}, expected a string`);
    out.push(cleanText(item));
  });
  return out;
}

/** An object (a nested block such as NinjaOne's `system`), or an empty one when absent. */
export function optionalBlock(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (isRecord(value)) return value;
  throw new FieldError(`${field} is ${describeType(value)}, expected an object`);
}
