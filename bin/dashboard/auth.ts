/**
 * Who may read the dashboard. On loopback nobody needs to log in (only this machine's users reach
 * it); any other address needs credentials: WAREHOUSE_DASHBOARD_TOKEN, from the environment, the
 * config file or $CREDENTIALS_DIRECTORY/warehouse_dashboard_token (systemd LoadCredential=). A token
 * is accepted as `Authorization: Bearer <token>` or as the password of HTTP Basic (any user name,
 * so a browser's login prompt works); a value `user:password` must be given whole as HTTP Basic (or as
 * the bearer token). Compared in constant time, over SHA-256 digests so lengths leak nothing either.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { readRaw, type KeyReader } from '../../warehouse/config-keys.js';
import { WAREHOUSE_KEY_TABLE as KEY } from '../../warehouse/config-table.js';
import { ConfigError, EXIT, WarehouseError } from '../../warehouse/errors.js';

export interface Credentials {
  /** How a client presents them, for the start-up line. */
  describe: string;
  accepts(authorization: string | undefined): boolean;
}

/** Short tokens are guessable over the network: refused at start. */
export const MIN_TOKEN_LENGTH = 16;

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
const same = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

export function loadCredentials(reader: KeyReader): Credentials | undefined {
  const secret = readRaw(reader, KEY.dashboardToken);
  if (secret === undefined) return undefined;
  const colon = secret.indexOf(':');
  const password = colon >= 0 ? secret.slice(colon + 1) : secret;
  if (password.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(KEY.dashboardToken.name, `has fewer than ${MIN_TOKEN_LENGTH} characters`,
      'Use a long random value, e.g. `openssl rand -hex 24`, in $CREDENTIALS_DIRECTORY/warehouse_dashboard_token or the config file.');
  }
  const userPassword = colon >= 0;
  return {
    describe: userPassword
      ? 'HTTP Basic with the user and password of WAREHOUSE_DASHBOARD_TOKEN'
      : 'HTTP Basic with WAREHOUSE_DASHBOARD_TOKEN as the password (any user name), or Authorization: Bearer <token>',
    accepts(authorization) {
      if (!authorization) return false;
      const [scheme, value = ''] = authorization.trim().split(/\s+/u, 2);
      if (/^bearer$/iu.test(scheme ?? '')) return same(value, secret);
      if (!/^basic$/iu.test(scheme ?? '')) return false;
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      if (userPassword) return same(decoded, secret);
      const at = decoded.indexOf(':');
      return at >= 0 && same(decoded.slice(at + 1), secret);
    },
  };
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[|\]$/gu, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./iu.test(bare);
  return false;
}

/** Binding beyond loopback without credentials would publish every client's billing: refused, exit 2. */
export function checkBind(host: string, credentials: Credentials | undefined): void {
  if (credentials || isLoopback(host)) return;
  throw new WarehouseError('ERR_OPEN_BIND', EXIT.usage,
    `serve: --host ${host} is reachable from other machines and no credentials are configured`,
    'Set WAREHOUSE_DASHBOARD_TOKEN (a long random value; under systemd the credential file warehouse_dashboard_token), or bind 127.0.0.1 (the default) and reach it through an SSH tunnel or a reverse proxy that logs users in.');
}
