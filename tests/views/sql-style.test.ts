/**
 * The view SQL's style (views/sql-style.ts, the documented stand-in for sqlfluff): no `*` or
 * `alias.*` in the select lists of a union, one column per line in the bi views' select lists,
 * keywords in lower case. Over every views/**\/*.sql, the functions' bodies included; a file that
 * may not be fixed yet is listed below with why, and the listing fails once the file is clean.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lintSql, type StyleRule } from '../../views/sql-style.js';

const VIEWS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../views');

/** Files allowed to break a rule for now, and why. */
const NOT_YET: Record<string, Partial<Record<StyleRule, string>>> = {};

function sqlFiles(dir: string, under = ''): string[] {
  return readdirSync(path.join(dir, under)).sort().flatMap((name) => {
    const relative = under ? `${under}/${name}` : name;
    if (statSync(path.join(dir, relative)).isDirectory()) return sqlFiles(dir, relative);
    return name.endsWith('.sql') ? [relative] : [];
  });
}

const FILES = sqlFiles(VIEWS);
const lint = (file: string) => lintSql(readFileSync(path.join(VIEWS, file), 'utf8'), { bi: file.startsWith('bi/'), bodies: file.startsWith('functions/') });

describe('the SQL style of the views', () => {
  it('finds the view files', () => {
    expect(FILES.filter((f) => f.startsWith('bi/')).length).toBeGreaterThan(10);
    expect(FILES.filter((f) => f.startsWith('staging/')).length).toBeGreaterThan(10);
    expect(FILES.filter((f) => f.startsWith('functions/')).length).toBeGreaterThan(2);
  });

  it.each(FILES)('%s keeps the style', (file) => {
    const allowed = NOT_YET[file] ?? {};
    const problems = lint(file).filter((p) => allowed[p.rule] === undefined).map((p) => `${file}:${p.line} ${p.rule}: ${p.text}`);
    expect(problems).toEqual([]);
  });

  it('lists only files that still break the rule they are excused from', () => {
    const stale = Object.entries(NOT_YET).flatMap(([file, rules]) => Object.keys(rules)
      .filter((rule) => !lint(file).some((p) => p.rule === rule)).map((rule) => `${file}: ${rule}`));
    expect(stale).toEqual([]);
  });
});

describe('the style checker', () => {
  it('flags a star in a union branch, not in a plain select or a count(*)', () => {
    const sql = `create view x as
with a as (select * from t),
b as (
    select t.*, 1 as n from t
    union all
    select u.id, u.name, 2 from u
)
select count(*) from a where exists (select * from b);`;
    expect(lintSql(sql, { bi: false }).map((p) => [p.rule, p.line])).toEqual([['star in union', 4]]);
  });

  it('flags a column pack in a bi view, wherever the select is, but not a multi-line item or a function\'s commas', () => {
    const sql = `select
    a.id,
    coalesce(a.x, a.y) as z,
    case
        when a.n > 1 then 'x, y'
    end as w
from a
where a.id in (select b.id, b.k from b);`;
    expect(lintSql(sql, { bi: true }).map((p) => [p.rule, p.line])).toEqual([['column pack', 8]]);
    expect(lintSql(sql, { bi: false })).toEqual([]);
  });

  it('flags an upper-case keyword but not one in a string, a comment or a quoted identifier', () => {
    const sql = `-- SELECT in a comment
select 'FROM' as "Select", a.id
FROM a Where a."AND" is not null;`;
    expect(lintSql(sql, { bi: false }).map((p) => [p.rule, p.line])).toEqual([['upper-case keyword', 3]]);
  });

  it('reads a function\'s dollar-quoted body as SQL when asked to, its strings still blanked', () => {
    const sql = `create or replace function f() returns void
language plpgsql as $fn$
begin
    execute format('CREATE TABLE %I', 'x');
    IF true then perform 1; end if;
end
$fn$;`;
    expect(lintSql(sql, { bi: false, bodies: true }).map((p) => [p.rule, p.line])).toEqual([['upper-case keyword', 5]]);
    expect(lintSql(sql, { bi: false })).toEqual([]);
  });

  it('reads `is distinct from` as an operator, not the end of the select list', () => {
    const sql = `select
    a.x is not distinct from a.y as same, a.z
from a;`;
    expect(lintSql(sql, { bi: true }).map((p) => [p.rule, p.line])).toEqual([['column pack', 2]]);
  });
});
