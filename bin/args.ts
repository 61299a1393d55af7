/** Flag parsing for the verbs: node:util parseArgs, with usage errors that say what to type instead. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../warehouse/errors.js';
import { didYouMean } from '../warehouse/suggest.js';

export type Flags = NonNullable<ParseArgsConfig['options']>;

export function parse(verb: string, argv: string[], options: Flags): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const known = { ...options, help: { type: 'boolean', short: 'h' } } satisfies Flags;
  try {
    const { values, positionals } = parseArgs({ args: argv, options: known, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const typed = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'(-[^']*)'/u.exec(message)?.[1] : undefined;
    if (typed !== undefined) {
      const flag = typed.replace(/^-+/u, '').split('=')[0] ?? '';
      const hint = didYouMean(flag, Object.keys(known), (name) => `--${name}`);
      throw new UsageError(`${verb}: unknown option ${typed}`, `${hint ? `${hint} ` : ''}Run \`warehouse ${verb} --help\` for its options.`);
    }
    throw new UsageError(`${verb}: ${message}`, `Run \`warehouse ${verb} --help\`.`);
  }
}

export function positiveInt(value: string | boolean | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} ${String(value)} is not a positive whole number`, `Use e.g. ${flag} ${fallback}.`);
  return n;
}

export function str(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
