/**
 * A PostgreSQL-aware TCP proxy between a command and the server, to lose the database at a chosen
 * statement rather than at a chosen moment. It reads the frontend protocol (startup, then typed
 * messages) and, when a Parse or simple Query whose SQL matches an armed pattern arrives, holds that
 * statement back and breaks the connection in one of the ways a database goes away:
 *
 *   reset      every connection reset (RST): the client reads ECONNRESET
 *   end        every connection closed (FIN): the socket just ends
 *   refused    every connection reset and the port closed: reconnects get ECONNREFUSED
 *   terminate  the server itself ends this statement's backend (pg_terminate_backend): FATAL 57P01
 *   crash      every connection gets FATAL 57P02, as when another backend crashed, then closes
 *   starting   every connection ends; new ones are answered FATAL 57P03 (the system is starting up)
 *   restart    the server ends every backend of the command (57P01) and takes new connections at
 *              once: a restart that happened between two statements
 *
 * The held statement never reaches the server, so what the command had done before it is exactly what
 * the server saw. `heal()` lets new connections through again.
 */
import net from 'node:net';
import postgres from 'postgres';

export const FAULTS = ['reset', 'end', 'refused', 'terminate', 'crash', 'starting', 'restart'] as const;
export type Fault = (typeof FAULTS)[number];

export interface PgFaultProxy {
  /** The database URL with host and port pointing at the proxy. */
  url: string;
  /** The next statement matching `when` triggers `fault`; resolves with that statement's SQL. */
  arm(when: RegExp, fault: Fault): Promise<string>;
  /** Pass new connections again (after refused or starting). */
  heal(): Promise<void>;
  close(): Promise<void>;
}

interface Pair { client: net.Socket; upstream: net.Socket; pid?: number; dropping: boolean }

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;

/** A FATAL ErrorResponse as the server writes it. */
function fatal(code: string, message: string): Buffer {
  const fields = Buffer.concat([
    ...[['S', 'FATAL'], ['V', 'FATAL'], ['C', code], ['M', message]].map(([k, v]) => Buffer.from(`${k}${v}\0`, 'utf8')),
    Buffer.from([0]),
  ]);
  const head = Buffer.alloc(5);
  head.write('E', 0, 'ascii');
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}

/** The SQL text of a Parse ('P': name, query) or Query ('Q': query) message body. */
function statementOf(type: string, body: Buffer): string | undefined {
  if (type === 'Q') return body.toString('utf8', 0, Math.max(0, body.indexOf(0)));
  if (type !== 'P') return undefined;
  const nameEnd = body.indexOf(0);
  return body.toString('utf8', nameEnd + 1, body.indexOf(0, nameEnd + 1));
}

export async function startPgFaultProxy(targetUrl: string): Promise<PgFaultProxy> {
  const target = new URL(targetUrl);
  const admin = postgres(targetUrl, { max: 1, onnotice: () => {} });
  const pairs = new Set<Pair>();
  let armed: { when: RegExp; fault: Fault; resolve: (sql: string) => void } | undefined;
  let answerStarting = false;

  const terminateBackends = async (which: Pair[]) => {
    const pids = which.map((p) => p.pid).filter((pid): pid is number => pid !== undefined);
    if (pids.length > 0) await admin`select pg_terminate_backend(pid) from unnest(${pids}::int[]) as t(pid)`;
  };

  async function trigger(pair: Pair, fault: Fault): Promise<void> {
    // The connections this fault breaks; nothing more reaches the server from them.
    const all = fault === 'terminate' ? [pair] : [...pairs];
    for (const p of all) p.dropping = true;
    switch (fault) {
      case 'reset':
        for (const p of all) { p.client.resetAndDestroy(); p.upstream.destroy(); }
        break;
      case 'end':
        for (const p of all) { p.client.end(); p.upstream.destroy(); }
        break;
      case 'refused':
        await new Promise<void>((resolve) => { server.close(() => resolve()); for (const p of all) { p.client.resetAndDestroy(); p.upstream.destroy(); } });
        break;
      case 'crash':
        for (const p of all) { p.client.end(fatal('57P02', 'terminating connection because of crash of another server process')); p.upstream.destroy(); }
        break;
      case 'starting':
        answerStarting = true;
        for (const p of all) { p.client.end(fatal('57P01', 'terminating connection due to administrator command')); p.upstream.destroy(); }
        break;
      case 'terminate':
      case 'restart':
        // The server's own 57P01 reaches the client through the (still forwarding) upstream side.
        await terminateBackends(all);
        break;
    }
  }

  function onClient(client: net.Socket): void {
    if (answerStarting) {
      // Read the startup packet, then answer as a server in recovery does.
      client.once('data', () => client.end(fatal('57P03', 'the database system is starting up')));
      client.on('error', () => {});
      return;
    }
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    const pair: Pair = { client, upstream, dropping: false };
    pairs.add(pair);
    let pending = Buffer.alloc(0);
    let started = false;
    let serverPending: Buffer | undefined = Buffer.alloc(0);

    client.on('data', (chunk: Buffer) => {
      if (pair.dropping) return;
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (!started) {
          if (pending.length < 8) return;
          const length = pending.readInt32BE(0);
          if (pending.length < length) return;
          const code = pending.readInt32BE(4);
          // postgres.js sends no SSLRequest unless asked; a cancel request is passed through as is.
          if (code !== SSL_REQUEST && code !== CANCEL_REQUEST) started = true;
          upstream.write(pending.subarray(0, length));
          pending = pending.subarray(length);
          continue;
        }
        if (pending.length < 5) return;
        const length = pending.readInt32BE(1);
        if (pending.length < length + 1) return;
        const type = String.fromCharCode(pending[0] as number);
        const message = pending.subarray(0, length + 1);
        const sql = armed ? statementOf(type, message.subarray(5)) : undefined;
        if (armed && sql !== undefined && armed.when.test(sql)) {
          const { fault, resolve } = armed;
          armed = undefined;
          pair.dropping = true;
          void trigger(pair, fault).then(() => resolve(sql));
          return;
        }
        upstream.write(message);
        pending = pending.subarray(length + 1);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      // Until the backend's pid is known (BackendKeyData, 'K'), read the server's messages.
      if (serverPending === undefined) return;
      serverPending = Buffer.concat([serverPending, chunk]);
      while (serverPending.length >= 5) {
        const length = serverPending.readInt32BE(1);
        if (serverPending.length < length + 1) break;
        if (serverPending[0] === 'K'.charCodeAt(0)) {
          pair.pid = serverPending.readInt32BE(5);
          serverPending = undefined;
          return;
        }
        serverPending = serverPending.subarray(length + 1);
      }
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    upstream.on('end', () => client.end());
    client.on('close', end);
    upstream.on('close', () => { if (!client.writableEnded) client.end(); pairs.delete(pair); });
    client.on('error', end);
    upstream.on('error', end);
  }

  const server = net.createServer(onClient);
  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);

  return {
    url: url.toString(),
    arm(when, fault) {
      return new Promise((resolve) => { armed = { when, fault, resolve }; });
    },
    async heal() {
      armed = undefined;
      answerStarting = false;
      if (!server.listening) await listen(port);
    },
    async close() {
      armed = undefined;
      for (const p of pairs) { p.client.destroy(); p.upstream.destroy(); }
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      await admin.end();
    },
  };
}
