/**
 * An HTTP proxy in front of a vendor simulator that rewrites the JSON the vendor sends: how a test
 * makes a real simulator drift (a new field, a changed type, a missing id, a unit change, hostile
 * names, a shrunken fleet) while the collector, its client and the run lifecycle stay untouched.
 */
import http from 'node:http';

/** Return the body to send instead (or undefined to pass it through). `path` has no query string. */
export type Rewrite = (path: string, body: unknown, request: { method: string; query: string }) => unknown;

export interface RewriteProxy {
  url: string;
  setRewrite(rewrite: Rewrite | undefined): void;
  close(): Promise<void>;
}

export async function startRewriteProxy(targetBaseUrl: string): Promise<RewriteProxy> {
  const target = new URL(targetBaseUrl);
  let rewrite: Rewrite | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const upstream = http.request({
        hostname: target.hostname, port: target.port, method: req.method, path: req.url,
        headers: { ...req.headers, host: target.host },
      }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('end', () => {
          let body = Buffer.concat(parts);
          const [path = '', query = ''] = (req.url ?? '').split('?');
          if (rewrite && /json/u.test(String(answer.headers['content-type']))) {
            try {
              const changed = rewrite(path, JSON.parse(body.toString('utf8')) as unknown, { method: req.method ?? 'GET', query });
              if (changed !== undefined) body = Buffer.from(JSON.stringify(changed));
            } catch (error) {
              if (!(error instanceof SyntaxError)) throw error; // a truncated body passes through as it is
            }
          }
          const headers = { ...answer.headers, 'content-length': String(body.length) };
          delete headers['transfer-encoding'];
          res.writeHead(answer.statusCode ?? 502, headers);
          res.end(body);
        });
      });
      upstream.on('error', () => { res.destroy(); });
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    setRewrite(next) { rewrite = next; },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
