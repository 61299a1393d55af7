/** `npm run docs:keys`: rewrite the README's configuration tables from the key declarations (bin/config-docs.ts). */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderReadme } from './config-docs.js';

const file = new URL('../README.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = renderReadme(before);
if (after !== before) writeFileSync(file, after);
process.stdout.write(after === before ? 'README.md key tables already current\n' : 'README.md key tables rewritten\n');
