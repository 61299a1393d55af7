import { loadWarehouseConfig } from '../../warehouse/config.js';
import { WAREHOUSE_KEY_TABLE as KEY } from '../../warehouse/config-table.js';
import { EXIT, UsageError } from '../../warehouse/errors.js';
import { embeddedUrl, isRunning, startEmbedded, stopEmbedded } from '../../warehouse/embedded/server.js';
import { parse } from '../args.js';
import type { Verb } from '../verbs.js';

export const dbCommand: Verb = {
  summary: 'Control the embedded database: start | stop | url',
  help: `usage: warehouse db start | stop | url

start  start the embedded PostgreSQL (data in $${KEY.home.name}, default ${KEY.home.default}) and keep it
       running after the command ends, for psql and BI tools
stop   stop it
url    print a connection URL for psql or a BI tool (psql "$(warehouse db url)")

Only for the embedded default: with DATABASE_URL set, the database is yours to run.`,
  async run(argv) {
    const { positionals } = parse('db', argv, {});
    const config = loadWarehouseConfig(process.env);
    const action = positionals[0];
    if (config.databaseUrl && action !== 'url') {
      throw new UsageError('DATABASE_URL is set, so there is no embedded database to control', 'Unset DATABASE_URL to use the embedded database, or manage your PostgreSQL yourself.');
    }
    switch (action) {
      case 'start': {
        const server = await startEmbedded(config.home, { keepRunning: true });
        process.stdout.write(`embedded PostgreSQL running (data in ${config.home}); connect with:\n  psql "${server.url}"\n`);
        return EXIT.ok;
      }
      case 'stop':
        process.stdout.write((await stopEmbedded(config.home)) ? 'embedded PostgreSQL stopped\n' : 'embedded PostgreSQL was not running\n');
        return EXIT.ok;
      case 'url': {
        const url = config.databaseUrl ?? (await embeddedUrl(config.home));
        if (!url) throw new UsageError(`no embedded database in ${config.home} yet`, 'Run `warehouse db start` (or `npm start`) first.');
        if (!config.databaseUrl && !(await isRunning(config.home))) process.stderr.write('note: the embedded database is not running; `warehouse db start` starts it\n');
        process.stdout.write(`${url}\n`);
        return EXIT.ok;
      }
      default:
        throw new UsageError(`db: expected start, stop or url${action ? `, not "${action}"` : ''}`, 'Run `warehouse db --help`.');
    }
  },
};
