/**
 * Where a home's cluster (its PostgreSQL data directory) lives: $WAREHOUSE_HOME/pgdata, or, as root
 * when the postgres account cannot reach the home (a checkout under root's 0700 home), a relocated
 * cluster under RUNTIME_ROOT/clusters/<id> that $WAREHOUSE_HOME/pgdata links to. A relocated cluster
 * records the home it belongs to, and only a link of that exact shape, back to that home, is ever
 * followed to change ownership or delete anything.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, readFile, readlink, realpath, rename, rm, rmdir, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RUNTIME_ROOT } from './binaries.js';
import { accountCan, type ServerAccount } from './server-account.js';

const CLUSTERS = path.join(RUNTIME_ROOT, 'clusters');
const RELOCATED = /^[0-9a-f]{16}$/u;

const isLink = (file: string) => lstat(file).then((s) => s.isSymbolicLink(), () => false);
const hasCluster = (dir: string) => existsSync(path.join(dir, 'PG_VERSION'));

async function giveTo(account: ServerAccount, dir: string): Promise<void> {
  const { uid, gid } = account.spawnAs;
  if (uid !== undefined) await chown(dir, uid, gid ?? uid);
}

/** The relocated cluster directory `home`'s pgdata links to, when it is one of ours and records this home. */
export async function relocatedCluster(home: string): Promise<string | undefined> {
  const target = await readlink(path.join(home, 'pgdata')).catch(() => undefined);
  if (!target || path.basename(target) !== 'pgdata') return undefined;
  const cluster = path.dirname(target);
  if (path.dirname(cluster) !== CLUSTERS || !RELOCATED.test(path.basename(cluster))) return undefined;
  const recorded = (await readFile(path.join(cluster, 'home'), 'utf8').catch(() => '')).trim();
  return recorded === (await realpath(home).catch(() => home)) ? cluster : undefined;
}

/** The data directory the server uses (a real path), creating it, or the link to it, when new. */
export async function dataDirectory(home: string, account: ServerAccount): Promise<string> {
  const link = path.join(home, 'pgdata');
  // mktemp-style homes are 0700; the postgres account needs to traverse into pgdata.
  if (account.separate) await chmod(home, 0o711);
  const reachable = !account.separate || (await accountCan(account, '-x', home));
  const existing = await realpath(link).catch(() => undefined);
  if (existing && hasCluster(existing)) return existing;
  if (existing) {
    const linked = await isLink(link);
    // An empty directory left by a failed initdb, here or (before relocation existed) under a home
    // the account cannot reach: the latter is removed and the cluster relocated below.
    if (!linked && !reachable && (await rmdir(link).then(() => true, () => false))) return relocate(home, account);
    // Still ours to initialise: the account must own it (never a directory someone else linked in).
    if (!linked || (await relocatedCluster(home))) await giveTo(account, existing);
    return existing;
  }
  // A link left dangling (its relocated cluster removed) is replaced.
  if (await isLink(link)) await unlink(link);
  if (!reachable) return relocate(home, account);
  await mkdir(link, { mode: 0o700 });
  await giveTo(account, link);
  return link;
}

async function relocate(home: string, account: ServerAccount): Promise<string> {
  const realHome = await realpath(home);
  const cluster = path.join(CLUSTERS, createHash('sha256').update(realHome).digest('hex').slice(0, 16));
  const data = path.join(cluster, 'pgdata');
  await mkdir(cluster, { recursive: true, mode: 0o755 });
  await chmod(RUNTIME_ROOT, 0o755);
  await chmod(CLUSTERS, 0o755);
  // A cluster of a home that was deleted without `destroy`: its password went with the home, so it
  // cannot be used; it is kept aside, never overwritten.
  if (hasCluster(data)) await rename(data, `${data}.abandoned-${new Date().toISOString().replace(/[:.]/gu, '')}`);
  await rm(data, { recursive: true, force: true });
  await writeFile(path.join(cluster, 'home'), `${realHome}\n`);
  await mkdir(data, { mode: 0o700 });
  await giveTo(account, data);
  await symlink(data, path.join(home, 'pgdata'));
  return data;
}
