#!/usr/bin/env node
// The `warehouse` CLI. It runs the compiled JavaScript in dist/ (`npm install` / `npm ci` build it; so
// does `node bin/build.js`) when dist was built from exactly the sources on disk; otherwise (no build
// yet, or a source edited since) the TypeScript through tsx's loader, slower to start but never stale.
// WAREHOUSE_FROM_SOURCES=1 always runs the sources.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { STAMP_FILE, sourceStamp } from './source-stamp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function freshDist() {
  if (process.env.WAREHOUSE_FROM_SOURCES === '1') return undefined;
  try {
    const built = readFileSync(path.join(root, 'dist', STAMP_FILE), 'utf8').trim();
    return built === sourceStamp(root) ? pathToFileURL(path.join(root, 'dist', 'bin', 'cli.js')).href : undefined;
  } catch {
    return undefined; // no dist, or a source folder unreadable: the sources decide
  }
}

const compiled = freshDist();
if (compiled) {
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./cli.ts');
}
