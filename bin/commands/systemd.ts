/**
 * `warehouse systemd install | wait-sources | notify`: render and install the units and timers, and
 * the two helpers the units run (data-driven ordering before the rollup, failure notifications).
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SOURCES } from '../../collectors/registry.js';
import { createReader, loadWarehouseConfig, parseConfigFile, validateTimeZone, type ConfigReader } from '../../warehouse/config.js';
import { openDatabase } from '../../warehouse/db.js';
import { DatabaseUnavailableError, EXIT, UsageError, WarehouseError } from '../../warehouse/errors.js';
import { parseDay, todayIn } from '../../warehouse/time.js';
import { parse, str } from '../args.js';
import { withDatabase } from '../database.js';
import { buildReport, runNotifyCommand } from '../systemd/notify.js';
import { hiddenBySandbox, sandboxOf, type Sandbox } from '../systemd/sandbox.js';
import { CHECKOUT, CREDSTORE, DEFAULT_CONFIG, UNIT_DIR, checkUnitPath, credentialNames, exampleConfig, renderUnits, type RenderedFile } from '../systemd/render.js';
import { isSettled, parseDuration, waitForSources, type SourceState } from '../systemd/wait.js';
import type { Verb } from '../verbs.js';

const HELP = `usage: warehouse systemd install [--prefix DIR] [--dry-run] [--config FILE] [--timezone TZ]
       warehouse systemd wait-sources [--date D] [--timeout 5h] [--interval 60s]
       warehouse systemd notify <failed-unit>

install       renders systemd/*.service and *.timer with this checkout's paths (node, bin/warehouse.js)
              into PREFIX/etc/systemd/system (default PREFIX /), and a commented config file if none
              exists. PREFIX is a staging root: the units still name ${DEFAULT_CONFIG} and
              ${CREDSTORE}. Never overwrites the config file.
  --dry-run   print what would be written; write nothing
  --config    the EnvironmentFile= the units read (default ${DEFAULT_CONFIG})
  --timezone  the time zone of the timers (default WAREHOUSE_TIMEZONE from the config file or the
              environment, else the system's)
wait-sources  waits until every configured source has finished its run for the day (published,
              refused or failed), reading ops.sync_runs and ops.source_days; exits 3 naming the
              sources still unfinished at the deadline. Run by the rollup and retention units.
notify        builds the failure message for a failed unit and runs WAREHOUSE_NOTIFY_COMMAND with it
              (stdin and $WAREHOUSE_NOTIFY_MESSAGE); without a command it only prints it.`;

export const systemdCommand: Verb = {
  summary: 'Render and install the units and timers (and the helpers they run)',
  help: HELP,
  async run(argv) {
    const [action, ...rest] = argv;
    if (action === 'install') return install(rest);
    if (action === 'wait-sources') return waitSources(rest);
    if (action === 'notify') return notify(rest);
    throw new UsageError(`systemd: expected install, wait-sources or notify${action ? `, not "${action}"` : ''}`, 'Run `warehouse systemd --help`.');
  },
};

/** WAREHOUSE_TIMEZONE for the timers: --timezone, the config file, the environment, the system. */
function timersTimeZone(flag: string | undefined, configOnDisk: string): string {
  if (flag) return validateTimeZone(flag);
  const fromFile = existsSync(configOnDisk) ? readable(configOnDisk) : undefined;
  const fromConfig = fromFile ? parseConfigFile(fromFile, configOnDisk).WAREHOUSE_TIMEZONE : undefined;
  return validateTimeZone(fromConfig ?? loadWarehouseConfig(process.env).timeZone);
}

function readable(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // 0600 root and we are not root: fall back to the environment
  }
}

async function install(argv: string[]): Promise<number> {
  const { values } = parse('systemd install', argv, { prefix: { type: 'string' }, 'dry-run': { type: 'boolean' }, config: { type: 'string' }, timezone: { type: 'string' } });
  const prefix = path.resolve(str(values.prefix) ?? '/');
  const config = checkUnitPath(str(values.config) ?? DEFAULT_CONFIG, '--config');
  const configOnDisk = path.join(prefix, config);
  const timeZone = timersTimeZone(str(values.timezone), configOnDisk);
  const files: RenderedFile[] = await renderUnits({
    node: process.execPath, warehouse: path.join(CHECKOUT, 'bin', 'warehouse.js'), checkout: CHECKOUT, config, timeZone,
  });
  const writeConfig = !existsSync(configOnDisk);
  if (writeConfig) files.push({ path: config.replace(/^\//u, ''), content: exampleConfig(timeZone), mode: 0o600 });

  if (values['dry-run']) {
    for (const file of files) process.stdout.write(`--- would write ${path.join(prefix, file.path)} (mode ${file.mode.toString(8)})\n${file.content}\n`);
    process.stdout.write(`dry run: nothing written (time zone ${timeZone})\n`);
    return EXIT.ok;
  }
  try {
    for (const file of files) {
      const target = path.join(prefix, file.path);
      await mkdir(path.dirname(target), { recursive: true, mode: file.mode === 0o600 ? 0o700 : 0o755 });
      const unchanged = existsSync(target) && (await readFile(target, 'utf8')) === file.content;
      if (!unchanged) await writeFile(target, file.content, { mode: file.mode });
      await chmod(target, file.mode);
      process.stdout.write(`${unchanged ? 'unchanged' : 'wrote'} ${target}\n`);
    }
    await mkdir(path.join(prefix, CREDSTORE), { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new WarehouseError('ERR_INSTALL', EXIT.usage, `cannot write under ${prefix}: ${(error as Error).message}`, 'Run it as root (sudo), or render into a staging root with --prefix DIR.');
    }
    throw error;
  }
  process.stdout.write(nextSteps(prefix, config, timeZone, writeConfig));
  // A config just written is all comments: no point warning about what it does not set yet.
  if (!writeConfig) for (const warning of warnings(configOnDisk)) process.stderr.write(`warning: ${warning}\n`);
  return EXIT.ok;
}

function nextSteps(prefix: string, config: string, timeZone: string, wroteConfig: boolean): string {
  const staged = prefix === '/' ? '' : `\nRendered into the staging root ${prefix}: copy ${path.join(prefix, UNIT_DIR)} to /${UNIT_DIR} on the target.\n`;
  const timers = [...Object.keys(SOURCES).map((s) => `warehouse-collect@${s}.timer`), 'warehouse-rollup.timer', 'warehouse-retention.timer'];
  return `${staged}
Timers run nightly at 00:30 (collect), 00:45 (rollup, waits for the collectors) and 00:50 (retention), ${timeZone}.
Next:
  1. settings in ${config}${wroteConfig ? ' (a commented example was written)' : ''}, mode 0600 root: DATABASE_URL and each vendor's keys
  2. secrets as files in ${CREDSTORE}/ (0600 root), one per key in lower case: ${credentialNames().join(', ')}
  3. systemctl daemon-reload
  4. systemctl enable --now ${timers.join(' ')}
     (only the collectors of configured sources)
  5. try one now: systemctl start warehouse-collect@ninjaone.service && journalctl -u warehouse-collect@ninjaone.service
  6. systemctl list-timers 'warehouse-*'
`;
}

/** The paths the units run from that their sandboxing (systemd/sandbox.conf) hides. */
export function hiddenPathWarnings(paths: Array<readonly [what: string, file: string]>, sandbox: Sandbox = sandboxOf(readFileSync(path.join(CHECKOUT, 'systemd', 'sandbox.conf'), 'utf8'))): string[] {
  return paths.flatMap(([what, file]) => {
    const why = hiddenBySandbox(file, sandbox);
    return why ? [`${what} is at ${file}, which ${why}; install under /opt or /srv.`] : [];
  });
}

/** Paths the sandbox hides, and the embedded database under timers. */
function warnings(configOnDisk: string): string[] {
  const out: string[] = [];
  out.push(...hiddenPathWarnings([['the checkout', CHECKOUT], ['node', process.execPath]]));
  const text = readable(configOnDisk);
  if (text !== undefined && parseConfigFile(text, configOnDisk).DATABASE_URL === undefined) {
    out.push(`no DATABASE_URL in ${configOnDisk}: the units would use the embedded database, which is for trials (collectors running at the same time can stop it under each other). Set DATABASE_URL for production.`);
  }
  return out;
}

/** A source counts as configured when any of its non-secret keys is set (the units that wait never see secrets). */
function configuredSources(reader: ConfigReader): string[] {
  return Object.values(SOURCES)
    .filter((source) => [...source.keys.required, ...source.keys.optional].some((key) => !source.keys.secrets.includes(key) && reader.get(key) !== undefined))
    .map((source) => source.name);
}

function describe(states: SourceState[]): string {
  return states.length === 0 ? 'no source configured or collected' : states.map((s) => `${s.source}: ${s.state}${s.error ? ` (${s.error.slice(0, 120)})` : ''}`).join(', ');
}

async function waitSources(argv: string[]): Promise<number> {
  const { values } = parse('systemd wait-sources', argv, { date: { type: 'string' }, timeout: { type: 'string' }, interval: { type: 'string' } });
  const duration = (flag: string, fallback: string): number => {
    const value = str(values[flag]) ?? fallback;
    const ms = parseDuration(value);
    if (ms === undefined) throw new UsageError(`--${flag} ${value} is not a duration`, `Use e.g. --${flag} ${fallback} (s, m or h).`);
    return ms;
  };
  const timeoutMs = duration('timeout', '5h');
  const intervalMs = Math.max(duration('interval', '60s'), 1000);
  const config = loadWarehouseConfig(process.env);
  const day = str(values.date) ? parseDay(str(values.date) as string) : todayIn(config.timeZone);
  const configured = configuredSources(config.reader);
  const result = await withDatabase(config, async (url) => {
    const database = openDatabase(url, { applicationName: 'warehouse:wait-sources', max: 2 });
    try {
      return await waitForSources({
        sql: database.sql, day, configured, timeoutMs, intervalMs,
        report: (states) => process.stdout.write(`${day}: ${describe(states)}\n`),
        onError: (error) => process.stderr.write(`warehouse: wait-sources: ${(error as Error).message}; retrying\n`),
      });
    } finally {
      await database.close();
    }
  });
  if (result.settled) return EXIT.ok;
  if (result.lastError !== undefined) throw new DatabaseUnavailableError(`database unavailable while waiting for ${day}'s sources: ${(result.lastError as Error).message}`);
  const waiting = result.states.filter((s) => !isSettled(s.state));
  throw new WarehouseError('ERR_INCOMPLETE', EXIT.partial,
    `incomplete: still waiting for ${waiting.map((s) => `${s.source} (${s.state})`).join(', ')} for ${day} at the deadline`,
    'A run that never started: is warehouse-collect@<source>.timer enabled? One still running: see `journalctl -u warehouse-collect@<source>`. Then `systemctl start warehouse-rollup.service`.');
}

async function notify(argv: string[]): Promise<number> {
  const { positionals } = parse('systemd notify', argv, {});
  const unit = positionals[0];
  if (!unit) throw new UsageError('systemd notify: name the failed unit', 'e.g. `warehouse systemd notify warehouse-collect@ninjaone.service`.');
  const reader = createReader(process.env);
  const report = await buildReport(unit, process.env, reader.get('DATABASE_URL'));
  process.stdout.write(`${report.message}\n`);
  const command = reader.get('WAREHOUSE_NOTIFY_COMMAND');
  if (!command) {
    process.stdout.write('(WAREHOUSE_NOTIFY_COMMAND is not set: this failure is only in the journal)\n');
    return EXIT.ok;
  }
  const status = await runNotifyCommand(command, report, process.env);
  if (status !== 0) throw new WarehouseError('ERR_NOTIFY', EXIT.internal, `WAREHOUSE_NOTIFY_COMMAND exited ${status}`, 'Test the command by hand: `warehouse systemd notify warehouse-rollup.service`.');
  return EXIT.ok;
}
