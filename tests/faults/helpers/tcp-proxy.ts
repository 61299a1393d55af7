/**
 * An in-process TCP proxy (node:net) between the runner and PostgreSQL, to break the connection the
 * way networks do: reset every connection (RST), or stall (accept bytes, forward none: a dead NAT or
 * a hung server), and later heal.
 */
import net from 'node:net';

export interface TcpProxy {
  /** The database URL with host and port pointing at the proxy. */
  url: string;
  /** Connections currently open through the proxy. */
  open(): number;
  /** Send RST on every open connection; new ones still pass. */
  reset(): void;
  /** Stop forwarding on every open and new connection (bytes are swallowed, nothing is answered). */
  stall(): void;
  /** Forward again; connections that were stalled are closed (their protocol state is lost). */
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let stalled = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    const pair = { client, upstream };
    pairs.add(pair);
    // Forward by hand rather than pipe(), so a stall can hold bytes back without ending anything.
    client.on('data', (chunk) => { if (!stalled) upstream.write(chunk); });
    upstream.on('data', (chunk) => { if (!stalled) client.write(chunk); });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(address.port);
  return {
    url: url.toString(),
    open: () => pairs.size,
    reset() {
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      }
      pairs.clear();
    },
    stall() { stalled = true; },
    heal() {
      stalled = false;
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    close: () => new Promise<void>((resolve) => {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      server.close(() => resolve());
    }),
  };
}
