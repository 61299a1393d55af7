// What a compiled dist/ was built from: every file under the source folders (path, size, mtime) hashed.
// Plain JavaScript with node: built-ins only, because bin/warehouse.js runs it on every call before
// deciding whether dist/ may be used (a stat walk of a few hundred files costs a few milliseconds).
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The folders compiled into dist/ (tests/ and bench/ always run as TypeScript). */
export const SOURCE_DIRS = ['bin', 'collectors', 'warehouse', 'rollups', 'views'];
export const STAMP_FILE = 'source-stamp';

/** Relative paths of every file under the source folders, sorted so the stamp does not depend on readdir order. */
export function sourceFiles(root) {
  const files = [];
  const walk = (relative) => {
    for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  return files.sort();
}

/** A hash that changes whenever a source file is added, removed, resized or touched. */
export function sourceStamp(root) {
  const hash = createHash('sha256');
  for (const file of sourceFiles(root)) {
    const { size, mtimeMs } = statSync(path.join(root, file));
    hash.update(`${file}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest('hex');
}
