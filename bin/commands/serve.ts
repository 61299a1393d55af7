/**
 * `warehouse serve`: the read-only dashboard on the bi views (bin/dashboard/). Binds 127.0.0.1 by
 * default; any other address only with credentials (bin/dashboard/auth.ts). Runs until SIGINT or
 * SIGTERM, then closes the server and its database pool; the embedded default database stops with
 * it unless `db start` asked for it to keep running.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { readKey, readRaw } from '../../warehouse/config-keys.js';
import { WAREHOUSE_KEY_TABLE as KEY } from '../../warehouse/config-table.js';
import { loadWarehouseConfig } from '../../warehouse/config.js';
import { EXIT, UsageError, WarehouseError } from '../../warehouse/errors.js';
import { createLogger } from '../../warehouse/log.js';
import { parse, str } from '../args.js';
import { withDatabase } from '../database.js';
import { checkBind, isLoopback, loadCredentials } from '../dashboard/auth.js';
import { checkReaderUrl, openReader, probeReader, READER_ROLE } from '../dashboard/reader.js';
import { createDashboard } from '../dashboard/server.js';
import type { Verb } from '../verbs.js';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';

const HELP = `usage: warehouse serve [--host H] [--port P]

The read-only dashboard on the bi views, as ${READER_ROLE}: today against the last month-end (/),
a billing month with its devices, changes, seal and the export files (/billing?month=YYYY-MM),
every current device with filters (/devices), compliance (/compliance), coverage and findings
(/coverage), collection health with the verdict of \`warehouse status\` (/health).
  --host H   the address to bind (default ${DEFAULT_HOST}). Any address beyond loopback needs
             WAREHOUSE_DASHBOARD_TOKEN (under systemd the credential warehouse_dashboard_token):
             without it serve refuses to start (exit 2). When set, every request must present it
             (HTTP Basic with the token as password, or Authorization: Bearer <token>).
  --port P   the TCP port (default ${DEFAULT_PORT}; 0 picks a free one)
Reads with WAREHOUSE_DASHBOARD_DATABASE_URL when set, else the warehouse's own database, every session
as ${READER_ROLE} (SET ROLE at connection start), read only, each query cut off after
WAREHOUSE_DASHBOARD_STATEMENT_TIMEOUT_MS. Stop it with Ctrl-C (or SIGTERM).`;

function port(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PORT;
  const n = Number(value);
  if (!/^\d{1,5}$/u.test(value) || n > 65_535) throw new UsageError(`--port ${value} is not a TCP port (0 to 65535)`, `e.g. --port ${DEFAULT_PORT}.`);
  return n;
}

export const serveCommand: Verb = {
  summary: 'The read-only web dashboard on the bi views (127.0.0.1 unless credentials are configured)',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parse('serve', argv, { host: { type: 'string' }, port: { type: 'string' } });
    if (positionals.length > 0) throw new UsageError(`serve: unexpected "${positionals.join(' ')}"`, 'Run `warehouse serve --help`.');
    const host = str(values.host) ?? DEFAULT_HOST;
    const listenPort = port(str(values.port));
    const config = loadWarehouseConfig(process.env);
    const credentials = loadCredentials(config.reader);
    // Refused before the database starts: an open bind without credentials never serves a page.
    checkBind(host, credentials);
    const statementTimeout = readKey(config.reader, KEY.dashboardStatementTimeout);
    const ownUrl = readRaw(config.reader, KEY.dashboardDatabaseUrl);
    const log = createLogger();
    return withDatabase(config, async (warehouseUrl) => {
      const url = ownUrl === undefined ? warehouseUrl : checkReaderUrl(ownUrl, KEY.dashboardDatabaseUrl.name);
      const sql = openReader(url, statementTimeout);
      try {
        const who = await probeReader(sql);
        const server = createDashboard({ sql, timeZone: config.timeZone, credentials, staleAfterHours: config.staleAfterHours, log });
        server.listen(listenPort, host);
        await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => { throw listenError(error as NodeJS.ErrnoException, host, listenPort); })]);
        const address = server.address() as AddressInfo;
        const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        process.stderr.write(`warehouse: dashboard at http://${shown}:${address.port}/ (reading ${who.database} as ${READER_ROLE}, login ${who.login}); Ctrl-C stops it\n`);
        process.stderr.write(credentials
          ? `warehouse: credentials required on every request: ${credentials.describe}\n`
          : `warehouse: no credentials (WAREHOUSE_DASHBOARD_TOKEN unset): ${isLoopback(host) ? 'anyone on this machine can read it' : 'refused'}\n`);
        log.info({ host, port: address.port, credentials: credentials !== undefined }, 'dashboard listening');
        await stopSignal();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        return EXIT.ok;
      } finally {
        await sql.end({ timeout: 5 });
      }
    });
  },
};

function listenError(error: NodeJS.ErrnoException, host: string, listenPort: number): Error {
  if (error.code === 'EADDRINUSE') return new WarehouseError('ERR_PORT', EXIT.usage, `serve: port ${listenPort} on ${host} is in use`, 'Stop whatever listens there, or choose another with --port P.');
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return new WarehouseError('ERR_HOST', EXIT.usage, `serve: cannot bind ${host}: no such address on this machine`, 'Give an address of this machine with --host (default 127.0.0.1).');
  if (error.code === 'EACCES') return new WarehouseError('ERR_PORT', EXIT.usage, `serve: not allowed to bind port ${listenPort}`, 'Ports below 1024 need privileges: choose --port 8080 (or another above 1023).');
  return error;
}

function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
