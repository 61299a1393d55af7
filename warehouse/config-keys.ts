/**
 * Configuration keys as declarations. Each owner lists its keys once (the warehouse in
 * warehouse/config-table.ts, each vendor in collectors/<vendor>/config.ts): name, type, bounds,
 * default, whether it is secret or required, and the sentence the README shows. readKey() parses any
 * key by its declaration, so a bound or a default lives in one place; the vendor key lists, the
 * known-key list and the README's key tables (`npm run docs:keys`) are derived from the same lists.
 */
import { ConfigError } from './errors.js';
import { parseDay } from './time.js';

/** Where values come from (warehouse/config.ts createReader); `secret` also looks in $CREDENTIALS_DIRECTORY. */
export interface KeyReader {
  get(key: string, options?: { secret?: boolean }): string | undefined;
}

interface KeyCommon {
  readonly name: string;
  /** One line for the README's key table (markdown). */
  readonly doc: string;
  /** May come from $CREDENTIALS_DIRECTORY; never logged. */
  readonly secret?: boolean;
  /** Must be set once any of its owner's keys is (a vendor's keys only; conditional needs say so in `doc`). */
  readonly required?: boolean;
  /** Shown in the README instead of `default` when the default is computed (e.g. "the system's"). */
  readonly defaultDoc?: string;
  /** Not the operator's to set (the test suite's switch, what `systemd notify` hands its command): listed apart in the README. */
  readonly audience?: 'internal';
}

export interface IntKey extends KeyCommon { readonly type: 'int'; readonly min: number; readonly max: number; readonly default: number }
/** A whole number of `unit`, read as milliseconds. */
export interface DurationKey extends KeyCommon {
  readonly type: 'duration'; readonly unit: 'minutes' | 'ms'; readonly min: number; readonly max: number; readonly default: number;
}
/** A positive number (fractions allowed). */
export interface NumberKey extends KeyCommon { readonly type: 'number'; readonly default: number }
export interface EnumKey extends KeyCommon { readonly type: 'enum'; readonly values: readonly string[]; readonly default?: string }
export interface TextKey extends KeyCommon { readonly type: 'string' | 'url' | 'path' | 'zone' | 'day' | 'bool'; readonly default?: string }

export type KeyDeclaration = IntKey | DurationKey | NumberKey | EnumKey | TextKey;

/** What readKey() returns for a declaration: numbers always (they have defaults), text when set or defaulted. */
export type KeyValue<D extends KeyDeclaration> =
  D extends IntKey | DurationKey | NumberKey ? number
    : D extends { readonly type: 'enum'; readonly values: readonly (infer V)[]; readonly default: string } ? V
      : D extends { readonly type: 'enum'; readonly values: readonly (infer V)[] } ? V | undefined
        : D extends { readonly default: string } ? string
          : string | undefined;

const MS_PER: Record<DurationKey['unit'], number> = { minutes: 60_000, ms: 1 };

/** Read and check one key by its declaration; a bad value is a ConfigError naming the key and the fix. */
export function readKey<D extends KeyDeclaration>(reader: KeyReader, key: D): KeyValue<D> {
  return parseValue(key, readRaw(reader, key)) as KeyValue<D>;
}

/** The key's text as set (trimmed; blank is unset), unchecked: for keys whose owner checks them itself (URLs, tokens). */
export function readRaw(reader: KeyReader, key: KeyDeclaration): string | undefined {
  const raw = reader.get(key.name, key.secret ? { secret: true } : undefined)?.trim();
  return raw === '' ? undefined : raw;
}

/** Whether any of an owner's keys is set: a vendor with none is not configured (nightly skips it). */
export function anyKeySet(reader: KeyReader, keys: Record<string, KeyDeclaration>): boolean {
  return Object.values(keys).some((key) => readRaw(reader, key) !== undefined);
}

function parseValue(key: KeyDeclaration, raw: string | undefined): unknown {
  switch (key.type) {
    case 'int': return raw === undefined ? key.default : wholeNumber(key, raw);
    case 'duration': return (raw === undefined ? key.default : wholeNumber(key, raw)) * MS_PER[key.unit];
    case 'number': return raw === undefined ? key.default : positiveNumber(key, raw);
    case 'enum': return raw === undefined ? key.default : oneOf(key, raw);
    case 'zone': return raw === undefined ? key.default : timeZone(key.name, raw);
    case 'day': return raw === undefined ? key.default : day(key, raw);
    default: return raw ?? key.default;
  }
}

function wholeNumber(key: IntKey | DurationKey, raw: string): number {
  const fix = `Set ${key.name} to a whole number from ${key.min} to ${key.max}, or unset it for ${key.default}.`;
  if (!/^\d+$/u.test(raw)) throw new ConfigError(key.name, `"${raw}" is not a whole number`, fix);
  const n = Number(raw);
  if (n < key.min || n > key.max) throw new ConfigError(key.name, `${n} is outside ${key.min}..${key.max}`, fix);
  return n;
}

function positiveNumber(key: NumberKey, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError(key.name, `"${raw}" is not a positive number`, `Set ${key.name} to a positive number or unset it (default ${key.default}).`);
  }
  return value;
}

function oneOf(key: EnumKey, raw: string): string {
  if (key.values.includes(raw)) return raw;
  const unset = key.default === undefined ? 'or unset it' : `or unset it (default ${key.default})`;
  throw new ConfigError(key.name, `"${raw}" is not one of ${key.values.join(', ')}`, `Set ${key.name} to one of ${key.values.join(', ')}, ${unset}.`);
}

/** An IANA zone name Intl knows. */
export function timeZone(name: string, raw: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: raw });
    return raw;
  } catch {
    throw new ConfigError(name, `"${raw}" is not an IANA time zone`, 'Use a name such as Australia/Sydney, Europe/London or UTC.');
  }
}

function day(key: TextKey, raw: string): string {
  try {
    return parseDay(raw, key.name);
  } catch {
    throw new ConfigError(key.name, `"${raw}" is not a date`, `Set ${key.name} to a day in YYYY-MM-DD form, or unset it (default ${key.default}).`);
  }
}

/** A vendor's `keys` lists (the Source contract), derived from its declarations in their order. */
export function keyLists(keys: Record<string, KeyDeclaration>): { required: string[]; optional: string[]; secrets: string[]; declared: KeyDeclaration[] } {
  const declared = Object.values(keys);
  return {
    required: declared.filter((key) => key.required).map((key) => key.name),
    optional: declared.filter((key) => !key.required).map((key) => key.name),
    secrets: declared.filter((key) => key.secret).map((key) => key.name),
    declared,
  };
}

/** The default as the README shows it, or undefined when there is none. */
export function defaultText(key: KeyDeclaration): string | undefined {
  if (key.defaultDoc !== undefined) return key.defaultDoc;
  if (key.default === undefined) return undefined;
  return typeof key.default === 'number' ? String(key.default) : `\`${key.default}\``;
}
