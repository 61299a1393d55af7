#!/usr/bin/env node
// Compile the TypeScript sources into dist/ (npm install and npm ci run this as `prepare`), so each
// `warehouse` call starts plain JavaScript instead of transpiling through tsx. File by file, the tree
// kept (a module's import.meta.url finds its SQL and migrations beside it, as in the sources), no
// bundling. The stamp written last says which sources this dist is; bin/warehouse.js uses dist only
// while the sources still match it.
//   node bin/build.js [--out DIR]     (default: dist/ of this checkout)
import { transform } from 'esbuild';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAMP_FILE, sourceFiles, sourceStamp } from './source-stamp.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `./x.ts` → `./x.js` in relative import specifiers (the sources use .js already; this keeps a stray .ts working). */
export function rewriteTsSpecifiers(code) {
  return code.replace(/((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.ts\2/gu, '$1$2$3.js$2');
}

/** Files that only matter to people or to the launcher stay out of dist. */
const skipped = (file) => file.endsWith('.md') || file.endsWith('.d.ts') || (file.startsWith(`bin${path.sep}`) && file.endsWith('.js'));

export async function build({ root = ROOT, outDir = path.join(root, 'dist') } = {}) {
  const stamp = sourceStamp(root);
  // Build beside the target and swap it in, so a concurrent `warehouse` call never sees half a dist.
  const staging = `${outDir}.building-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  let compiled = 0;
  for (const file of sourceFiles(root)) {
    if (skipped(file)) continue;
    const target = path.join(staging, file.replace(/\.ts$/u, '.js'));
    await mkdir(path.dirname(target), { recursive: true });
    if (!file.endsWith('.ts')) {
      await copyFile(path.join(root, file), target); // SQL of views/, migrations and their journal
      continue;
    }
    const source = await readFile(path.join(root, file), 'utf8');
    const { code } = await transform(source, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: file });
    await writeFile(target, rewriteTsSpecifiers(code));
    compiled += 1;
  }
  // The root package.json says "module" already; this keeps dist ESM wherever it is built.
  await writeFile(path.join(staging, 'package.json'), '{ "type": "module" }\n');
  await writeFile(path.join(staging, STAMP_FILE), `${stamp}\n`);
  await rm(outDir, { recursive: true, force: true });
  await rename(staging, outDir);
  return { outDir, compiled, stamp };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const outDir = at >= 0 ? path.resolve(process.argv[at + 1] ?? '') : undefined;
  const started = Date.now();
  const result = await build(outDir ? { outDir } : {});
  process.stderr.write(`build: ${result.compiled} modules into ${path.relative(process.cwd(), result.outDir) || '.'} in ${Date.now() - started} ms\n`);
}
