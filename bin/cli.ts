/**
 * `warehouse <verb>`: the verbs and exit codes of DESIGN.md §5. Every non-zero exit prints one line
 * saying what to do. Only what `--version`, `--help` and a mistyped verb need is imported up front;
 * the verb's module (and with it PostgreSQL, pino, the collectors) loads once a verb is chosen.
 */
import { EXIT } from '../warehouse/errors.js';
import { packageVersion } from './checkout.js';
import { didYouMean } from '../warehouse/suggest.js';
import { VERBS } from './verbs.js';

const USAGE = `warehouse: the MSP inventory and compliance warehouse

usage: warehouse <verb> [options]     (warehouse <verb> --help, or warehouse help <verb>, for each)
       warehouse --version

${Object.entries(VERBS).map(([name, verb]) => `  ${name.padEnd(12)} ${verb.summary}`).join('\n')}

Exit codes: 0 ok · 1 internal error · 2 usage or configuration · 3 partial · 4 completeness gate refused
            5 locked by another run · 6 vendor authentication · 7 vendor unavailable · 8 database unavailable`;

function unknownVerb(name: string): number {
  const hint = didYouMean(name, Object.keys(VERBS), (v) => `\`warehouse ${v}\``);
  process.stderr.write(`warehouse: unknown verb "${name}"\n→ ${hint ? `${hint} ` : ''}Run \`warehouse --help\` for the list of verbs.\n`);
  return EXIT.usage;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  if (name === 'help' && rest[0] !== undefined) return main([rest[0], '--help']);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  const entry = VERBS[name];
  if (!entry) return unknownVerb(name);
  const verb = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${verb.help.trim()}\n`);
    return EXIT.ok;
  }
  // A connection lost mid-query can surface outside any promise (see warehouse/db.ts): exit 8, one line.
  const [{ guardAgainstLostConnections }, { report }, { printConfigWarnings }] = await Promise.all([import('../warehouse/db.js'), import('./report.js'), import('./config-warnings.js')]);
  // Misspelled keys are named before the verb runs (on stderr: stdout may be an export or --json).
  printConfigWarnings(process.env);
  guardAgainstLostConnections((error) => process.exit(report(error)), (error) => process.exit(report(error)));
  return verb.run(rest);
}

async function reportLazily(thrown: unknown): Promise<number> {
  const { report } = await import('./report.js');
  return report(thrown);
}

// A reader that stops early (`warehouse sites list | head`) is not a lost database: stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok);
  throw error;
});

const code = await main(process.argv.slice(2)).catch(reportLazily);
// Flush and exit explicitly: open sockets of a finished command must not keep a oneshot job alive.
process.exitCode = code;
setImmediate(() => process.exit(code));
