/**
 * The checkout this CLI runs from, found by walking up to this package's package.json: the same
 * answer whether the module runs as a source (bin/…) or compiled (dist/bin/…), where a fixed
 * number of `..` would be wrong for one of them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = 'msp-warehouse';

function findCheckout(from: string): { dir: string; version: string } {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === PACKAGE) return { dir, version: parsed.version ?? '0.0.0' };
    }
    if (path.dirname(dir) === dir) throw new Error(`no package.json of ${PACKAGE} above ${from}`);
  }
}

let found: { dir: string; version: string } | undefined;
const checkout = () => (found ??= findCheckout(path.dirname(fileURLToPath(import.meta.url))));

export const checkoutDir = (): string => checkout().dir;
export const packageVersion = (): string => checkout().version;
