/**
 * The device classes are declared once (warehouse/rows.ts DEVICE_CLASSES, which the validator and
 * the gate check rows against; the dashboard's filters import it). The copies that cannot import it
 * are held to it: the bi views' column comments. A class added to rows.ts
 * fails here, naming each place still to update.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEVICE_CLASSES } from '../../warehouse/rows.js';

const BI = new URL('../../views/bi/', import.meta.url);
const listed = `${DEVICE_CLASSES.slice(0, -1).join(', ')} or ${DEVICE_CLASSES.at(-1)}.`;

describe('the device classes', () => {
  it('every bi view\'s device_class comment lists the declared ones', () => {
    const comments = readdirSync(BI).filter((file) => file.endsWith('.sql')).flatMap((file) =>
      [...readFileSync(new URL(file, BI), 'utf8').matchAll(/comment on column (bi\.\w+)\.device_class is '([^']*)'/gu)]
        .map((m) => ({ view: `${path.basename(file)} ${m[1] as string}`, text: m[2] as string })));
    expect(comments.length).toBeGreaterThan(0);
    expect(comments.filter((c) => c.text !== listed).map((c) => `${c.view}: ${c.text}`), `comments that do not read "${listed}"`).toEqual([]);
  });
});
