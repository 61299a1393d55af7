/**
 * The environment of a child process a test starts: the developer's own warehouse keys (DATABASE_URL,
 * vendor settings, WAREHOUSE_*, credentials, the tiny test source's knobs) never leak in; everything
 * else does, the shifted clock of libfaketime included (see clock.ts).
 */
const OWN_KEYS = /^(DATABASE_URL|NINJAONE_|THREATLOCKER_|PMP_|WAREHOUSE_|CREDENTIALS_DIRECTORY|TINY_)/u;

/** process.env without the warehouse's own keys. */
export function cleanEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !OWN_KEYS.test(e[0])));
}
