/**
 * The vendors' official specs live in the workplace's shared/reference/specs, beside the checkout
 * (CI clones the project next to shared/). A clone elsewhere falls back to the workplace's copy.
 * No copy at all is an error, never a skipped test.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CANDIDATES = [path.join(ROOT, '..', 'shared'), '/work/shared'];

export function readSpec(file: 'ninjaone-openapi.json' | 'threatlocker-openapi.json'): unknown {
  const found = CANDIDATES.map((dir) => path.join(dir, 'reference', 'specs', file)).find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`vendor spec ${file} not found in ${CANDIDATES.join(' or ')} (shared/ must sit beside the checkout)`);
  return JSON.parse(readFileSync(found, 'utf8'));
}
