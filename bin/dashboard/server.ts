/**
 * The dashboard's HTTP server on node:http: a table of GET routes, the security headers on every
 * answer, credentials when configured, and errors as small pages that name the problem without any
 * database detail (no URL, no password, no SQL). Static files come from this checkout only: the
 * charting library from its package in node_modules, the dashboard's own script and stylesheet
 * from dashboard/.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import type { Sql } from 'postgres';
import type { Logger } from 'pino';
import { connectionLoss } from '../../warehouse/db.js';
import { UsageError } from '../../warehouse/errors.js';
import { redact } from '../../warehouse/redact.js';
import { checkoutDir } from '../checkout.js';
import type { Credentials } from './auth.js';
import { html, layout, type Html } from './html.js';
import { BadRequest, NotFound, Query } from './params.js';
import { dashboardRoutes } from './routes.js';

export interface PageContext {
  sql: Sql;
  query: Query;
  timeZone: string;
  /** For a page that reads its own parameters' names (the route declares them). */
  url: URL;
}

/** What a route answers: a page, or a file to download. */
export type Answer =
  | { kind: 'page'; title: string; body: Html; scripts?: string[]; styles?: string[] }
  | { kind: 'file'; name: string; type: string; content: Buffer | string };

export interface Route {
  /** Query parameters the page takes; any other is a 400. */
  params: readonly string[];
  handle(context: PageContext): Promise<Answer>;
}

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // Billing figures and device lists: never kept by a shared cache or the browser's history cache.
  'Cache-Control': 'no-store',
};

const CHECKOUT = checkoutDir();
const UPLOT = path.join(CHECKOUT, 'node_modules', 'uplot', 'dist');
const OWN = path.join(CHECKOUT, 'dashboard');
const STATIC: Record<string, { file: string; type: string }> = {
  '/static/uPlot.iife.min.js': { file: path.join(UPLOT, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/static/uPlot.min.css': { file: path.join(UPLOT, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
  '/static/dashboard.js': { file: path.join(OWN, 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
  '/static/dashboard.css': { file: path.join(OWN, 'dashboard.css'), type: 'text/css; charset=utf-8' },
};

export interface DashboardOptions {
  sql: Sql;
  timeZone: string;
  credentials: Credentials | undefined;
  /** WAREHOUSE_STALE_HOURS: the health page's verdict, as `warehouse status` judges. */
  staleAfterHours: number;
  log: Logger;
}

function send(response: ServerResponse, request: IncomingMessage, status: number, type: string, body: Buffer | string, extra: Record<string, string> = {}): void {
  const buffer = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(buffer.length), ...extra });
  response.end(request.method === 'HEAD' ? undefined : buffer);
}

function errorPage(title: string, message: string): string {
  return layout(title, '', html`<p class="error">${message}</p><p><a href="/">Back to the overview</a></p>`).text;
}

/** Where a failed page's error belongs: the visitor's mistake (4xx), the database (503), or a bug (500). */
function classify(error: unknown): { status: number; title: string; message: string } {
  if (error instanceof BadRequest) return { status: 400, title: 'Bad request', message: error.message };
  if (error instanceof NotFound || error instanceof UsageError) return { status: 404, title: 'Not found', message: error.message };
  const code = (error as { code?: string }).code;
  if (code === '57014') return { status: 503, title: 'Too slow', message: 'The query took longer than the dashboard allows (WAREHOUSE_DASHBOARD_STATEMENT_TIMEOUT_MS). Narrow the filters, or try again when the nightly run has finished.' };
  if (connectionLoss(error)) return { status: 503, title: 'Database unavailable', message: 'The warehouse database did not answer. Check that PostgreSQL is running; the page works again once it does.' };
  return { status: 500, title: 'Internal error', message: 'The page failed; the server log has the details.' };
}

export function createDashboard(options: DashboardOptions): Server {
  const { sql, timeZone, credentials, log } = options;
  const cache = new Map<string, Buffer>();
  const routes = dashboardRoutes(options);

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<number> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, request, 405, 'text/plain; charset=utf-8', 'The dashboard is read only: GET and HEAD only.\n', { Allow: 'GET, HEAD' });
      return 405;
    }
    if (credentials && !credentials.accepts(request.headers.authorization)) {
      send(response, request, 401, 'text/plain; charset=utf-8', 'Credentials required.\n', { 'WWW-Authenticate': 'Basic realm="warehouse", charset="UTF-8"' });
      return 401;
    }
    const url = new URL(request.url ?? '/', 'http://dashboard.invalid');
    const asset = STATIC[url.pathname];
    if (asset) {
      let content = cache.get(url.pathname);
      if (!content) {
        content = await readFile(asset.file);
        cache.set(url.pathname, content);
      }
      send(response, request, 200, asset.type, content, { 'Cache-Control': 'no-cache' });
      return 200;
    }
    if (url.pathname === '/favicon.ico') {
      send(response, request, 204, 'image/x-icon', '');
      return 204;
    }
    const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
    if (!route) {
      send(response, request, 404, 'text/html; charset=utf-8', errorPage('Not found', `No page at ${url.pathname}.`));
      return 404;
    }
    try {
      const answer = await route.handle({ sql, query: new Query(url.searchParams, route.params), timeZone, url });
      if (answer.kind === 'file') {
        send(response, request, 200, answer.type, answer.content, { 'Content-Disposition': `attachment; filename="${answer.name.replace(/[^\w.-]/gu, '_')}"` });
      } else {
        send(response, request, 200, 'text/html; charset=utf-8', layout(answer.title, url.pathname, answer.body, answer).text);
      }
      return 200;
    } catch (error) {
      const { status, title, message } = classify(error);
      if (status >= 500) log.error({ err: error, path: url.pathname }, `dashboard page failed: ${redact((error as Error).message ?? String(error))}`);
      send(response, request, status, 'text/html; charset=utf-8', errorPage(title, message));
      return status;
    }
  }

  return createServer((request, response) => {
    const started = performance.now();
    handle(request, response).then((status) => {
      log.info({ method: request.method, path: (request.url ?? '').split('?')[0], status, ms: Math.round(performance.now() - started) }, 'request');
    }, (error: unknown) => {
      log.error({ err: error }, 'dashboard request failed');
      if (!response.headersSent) send(response, request, 500, 'text/plain; charset=utf-8', 'Internal error.\n');
      else response.destroy();
    });
  });
}
