/**
 * `warehouse <verb>`: the verbs and exit codes of DESIGN.md §5. Every non-zero exit prints one line
 * saying what to do. Verbs whose subsystem has not landed yet say so and exit 2.
 */
import pino from 'pino';
import { createLogger } from '../warehouse/log.js';
import { asDatabaseError, guardAgainstLostConnections } from '../warehouse/db.js';
import { EXIT, WarehouseError, exitCodeOf } from '../warehouse/errors.js';
import { redact } from '../warehouse/redact.js';
import { VERBS, type Verb } from './verbs.js';
import { printConfigWarnings } from './config-warnings.js';

const USAGE = `warehouse: the MSP inventory and compliance warehouse

usage: warehouse <verb> [options]     (warehouse <verb> --help for each)

${Object.entries(VERBS).map(([name, verb]) => `  ${name.padEnd(12)} ${verb.summary}`).join('\n')}

Exit codes: 0 ok · 1 internal error · 2 usage or configuration · 3 partial · 4 completeness gate refused
            5 locked by another run · 6 vendor authentication · 7 vendor unavailable · 8 database unavailable`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  const verb: Verb | undefined = VERBS[name];
  if (!verb) {
    process.stderr.write(`warehouse: unknown verb "${name}"\n→ Run \`warehouse --help\` for the list of verbs.\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${verb.help.trim()}\n`);
    return EXIT.ok;
  }
  printConfigWarnings(process.env);
  return verb.run(rest);
}

function report(thrown: unknown): number {
  // Whichever stage lost the database, and however the loss surfaced: exit 8 with its one line.
  const error = asDatabaseError(thrown);
  const code = exitCodeOf(error);
  if (error instanceof WarehouseError) {
    process.stderr.write(`warehouse: ${redact(error.message)}\n→ ${error.hint}\n`);
  } else {
    // The stack goes to a structured line on stderr (redacted; stdout may be an export or --json), then one line for the operator.
    createLogger({ destination: pino.destination({ dest: 2, sync: true }) }).error({ err: error }, 'internal error');
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`warehouse: internal error: ${redact(message).split('\n')[0]}\n→ This is a bug; nothing was published. Report it with the JSON log line (it holds the stack).\n`);
  }
  return code;
}

// A reader that stops early (`warehouse sites list | head`) is not a lost database: stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok);
  throw error;
});

// A connection lost mid-query can surface outside any promise (see warehouse/db.ts): exit 8, one line.
guardAgainstLostConnections((error) => process.exit(report(error)), (error) => process.exit(report(error)));

const code = await main(process.argv.slice(2)).catch(report);
// Flush and exit explicitly: open sockets of a finished command must not keep a oneshot job alive.
process.exitCode = code;
setImmediate(() => process.exit(code));
