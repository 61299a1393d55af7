/**
 * Who the embedded PostgreSQL runs as. PostgreSQL refuses to run as root, so as root the server (and
 * initdb, pg_ctl) run as the `postgres` account, created when missing; as anyone else, as themselves.
 * Whether that account can reach a path is asked of the kernel by running `test` as the account, the
 * same way (same uid, gid, no supplementary groups) the server itself is started.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { EmbeddedDatabaseError } from './errors.js';

const run = promisify(execFile);
export const SERVER_ACCOUNT = 'postgres';

export interface ServerAccount {
  /** Spawn options that run a child as the account (empty when not root). */
  spawnAs: { uid?: number; gid?: number };
  name: string;
  /** True when the server runs as another user than this process (we are root). */
  separate: boolean;
}

async function lookUp(name: string): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  } catch {
    return undefined;
  }
}

/** useradd lives in /usr/sbin, which `su` without `-` leaves off PATH. */
const USERADD = ['/usr/sbin/useradd', '/sbin/useradd'].find((file) => existsSync(file)) ?? 'useradd';

async function groupExists(name: string): Promise<boolean> {
  return run('getent', ['group', name]).then(() => true, () => false);
}

async function create(name: string): Promise<void> {
  // A group of that name left behind (a removed package) is joined rather than refused.
  const group = (await groupExists(name)) ? ['--gid', name] : ['--user-group'];
  try {
    await run(USERADD, ['--system', ...group, '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name]);
  } catch (error) {
    // Another first run created it at the same moment: that is as good.
    if (await lookUp(name)) return;
    const e = error as { stderr?: string; message: string };
    throw new EmbeddedDatabaseError(
      `the embedded PostgreSQL must run as an unprivileged user, and creating the "${name}" account failed: ${(e.stderr || e.message).trim()}`,
      `Create it yourself (useradd --system --user-group ${name}), run the warehouse as an ordinary user, or set DATABASE_URL to a PostgreSQL you run.`,
    );
  }
}

export async function serverAccount(): Promise<ServerAccount> {
  // process.getuid, not os.userInfo(): the latter throws for a uid with no passwd entry (containers).
  if (process.getuid?.() !== 0) return { spawnAs: {}, name: process.env.USER ?? 'the current user', separate: false };
  const ids = (await lookUp(SERVER_ACCOUNT)) ?? (await create(SERVER_ACCOUNT).then(() => lookUp(SERVER_ACCOUNT)));
  if (!ids) throw new EmbeddedDatabaseError(`the "${SERVER_ACCOUNT}" account was created but cannot be looked up`, 'Check /etc/passwd, or set DATABASE_URL to a PostgreSQL you run.');
  return { spawnAs: ids, name: SERVER_ACCOUNT, separate: true };
}

/** `test <flag> <path>` as the account: 'x' for a directory it must traverse or a binary it must run. */
export async function accountCan(account: ServerAccount, flag: '-x' | '-w' | '-r', target: string): Promise<boolean> {
  if (!account.separate) return true;
  try {
    await run('test', [flag, target], { ...account.spawnAs });
    return true;
  } catch {
    return false;
  }
}
