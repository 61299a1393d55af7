/**
 * The view SQL's house style, checked by tests/views/sql-style.test.ts over views/**\/*.sql. This is
 * the stand-in for sqlfluff (its postgres dialect): a Python package, PyPI is out of reach on this
 * project's machines and Debian's old sqlfluff would be one more system install everywhere. It checks
 * only the rules the style relies on, on a lexer that blanks comments, strings and quoted
 * identifiers and tracks parentheses:
 *
 * - `star in union`: no `*` or `alias.*` in a select list that is a branch of a UNION (INTERSECT,
 *   EXCEPT): a column added to one side would shift every column after it, silently.
 * - `column pack` (bi views only, the public contract): one select item per line, so a column is
 *   added, removed or reviewed as one line of a diff.
 * - `upper-case keyword`: keywords in lower case, as every file is written.
 *
 * The functions layer (views/functions) is checked with its dollar-quoted bodies read as SQL (option
 * `bodies`): the body is where a function's rule is written. PL/pgSQL reads well enough as SQL for
 * these rules (its own keywords are in the list too); strings inside a body stay blanked.
 */

export type StyleRule = 'star in union' | 'column pack' | 'upper-case keyword';

export interface StyleProblem { rule: StyleRule; line: number; text: string }

const KEYWORDS = new Set([
  'select', 'from', 'where', 'and', 'or', 'not', 'as', 'on', 'join', 'inner', 'left', 'right', 'full', 'outer', 'cross',
  'lateral', 'union', 'intersect', 'except', 'all', 'distinct', 'group', 'by', 'order', 'having', 'limit', 'offset', 'with',
  'recursive', 'create', 'replace', 'view', 'comment', 'column', 'is', 'null', 'case', 'when', 'then', 'else', 'end', 'in',
  'exists', 'between', 'like', 'ilike', 'filter', 'over', 'partition', 'window', 'asc', 'desc', 'nulls', 'first', 'last',
  'true', 'false', 'interval', 'any', 'some', 'using', 'values', 'cast', 'at', 'time', 'zone', 'function', 'returns',
  'language', 'immutable', 'stable', 'strict', 'return', 'begin', 'declare', 'parallel', 'safe', 'trigger',
  'insert', 'into', 'update', 'delete', 'set', 'if', 'elsif', 'loop', 'for', 'perform', 'execute', 'exception',
]);
/** Words that end a select list when met at its own depth. */
const CLAUSES = new Set(['from', 'where', 'group', 'order', 'having', 'limit', 'offset', 'window', 'into', 'union', 'intersect', 'except', 'fetch', 'for']);
const SET_OPERATORS = new Set(['union', 'intersect', 'except']);

interface Word { text: string; lower: string; start: number; end: number; depth: number }

/** The text with comments, string literals and quoted identifiers blanked to spaces (newlines kept, so offsets and lines hold). */
export function maskSql(sql: string): string {
  const out = sql.split('');
  const blank = (from: number, to: number) => { for (let i = from; i < to; i += 1) if (out[i] !== '\n') out[i] = ' '; };
  let i = 0;
  while (i < sql.length) {
    const two = sql.slice(i, i + 2);
    if (two === '--') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      blank(i, stop);
      i = stop;
    } else if (two === '/*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end < 0 ? sql.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (sql[i] === "'" || sql[i] === '"') {
      const quote = sql[i] as string;
      let j = i + 1;
      while (j < sql.length && !(sql[j] === quote && sql[j + 1] !== quote)) j += sql[j] === quote ? 2 : 1;
      blank(i + 1, j);
      i = j + 1;
    } else if (sql[i] === '$') {
      const tag = /^\$[A-Za-z_]*\$/u.exec(sql.slice(i))?.[0];
      if (!tag) { i += 1; continue; }
      const end = sql.indexOf(tag, i + tag.length);
      const stop = end < 0 ? sql.length : end + tag.length;
      blank(i + tag.length, stop - tag.length);
      i = stop;
    } else {
      i += 1;
    }
  }
  return out.join('');
}

function wordsOf(masked: string): { words: Word[]; depthAt: Int32Array } {
  const depthAt = new Int32Array(masked.length + 1);
  let depth = 0;
  for (let i = 0; i < masked.length; i += 1) {
    if (masked[i] === ')') depth -= 1;
    depthAt[i] = depth;
    if (masked[i] === '(') depth += 1;
  }
  depthAt[masked.length] = depth;
  const words: Word[] = [];
  for (const m of masked.matchAll(/[A-Za-z_][A-Za-z0-9_$]*/gu)) {
    const start = m.index;
    // A qualified name's second part (t.select) is not a keyword.
    if (start > 0 && masked[start - 1] === '.') continue;
    words.push({ text: m[0], lower: m[0].toLowerCase(), start, end: start + m[0].length, depth: depthAt[start] as number });
  }
  return { words, depthAt };
}

/** The text with each dollar-quote delimiter ($$, $fn$) blanked, so that what it quotes is read as SQL. */
export function unquoteBodies(sql: string): string {
  return sql.replace(/\$[A-Za-z_]*\$/gu, (tag) => ' '.repeat(tag.length));
}

export function lintSql(sql: string, options: { bi: boolean; bodies?: boolean }): StyleProblem[] {
  const masked = maskSql(options.bodies ? unquoteBodies(sql) : sql);
  const lineOf = (offset: number) => sql.slice(0, offset).split('\n').length;
  const lineText = (offset: number) => (sql.split('\n')[lineOf(offset) - 1] ?? '').trim();
  const { words, depthAt } = wordsOf(masked);
  const problems: StyleProblem[] = [];

  for (const word of words) {
    if (KEYWORDS.has(word.lower) && word.text !== word.lower) problems.push({ rule: 'upper-case keyword', line: lineOf(word.start), text: lineText(word.start) });
  }

  words.forEach((word, index) => {
    if (word.lower !== 'select') return;
    const items = selectItems(masked, words, index, depthAt);
    if (items.length === 0) return;
    if (inSetOperation(masked, words, index, depthAt)) {
      for (const item of items) {
        const text = masked.slice(item.start, item.end).trim();
        if (/^([A-Za-z_][A-Za-z0-9_]*\.)?\*$/u.test(text)) problems.push({ rule: 'star in union', line: lineOf(item.start), text: lineText(item.start) });
      }
    }
    if (options.bi) {
      for (let i = 1; i < items.length; i += 1) {
        const previous = items[i - 1] as { start: number; end: number };
        const item = items[i] as { start: number; end: number };
        if (lineOf(firstNonSpace(masked, item.start)) === lineOf(lastNonSpace(masked, previous.end))) {
          problems.push({ rule: 'column pack', line: lineOf(item.start), text: lineText(item.start) });
        }
      }
    }
  });
  // One report per rule and line: a pack of five columns is one line to fix.
  const seen = new Set<string>();
  return problems.filter((p) => { const key = `${p.rule}\u0000${p.line}`; if (seen.has(key)) return false; seen.add(key); return true; })
    .sort((a, b) => a.line - b.line);
}

/** The items of the select list opened by words[index], as offsets into the text. */
function selectItems(masked: string, words: Word[], index: number, depthAt: Int32Array): Array<{ start: number; end: number }> {
  const select = words[index] as Word;
  let end = masked.length;
  for (let j = index + 1; j < words.length; j += 1) {
    const w = words[j] as Word;
    if (w.depth < select.depth) break;
    // `is [not] distinct from` is an operator, not the FROM clause.
    if (w.depth === select.depth && CLAUSES.has(w.lower) && !(w.lower === 'from' && words[j - 1]?.lower === 'distinct')) { end = w.start; break; }
  }
  // A closing parenthesis or a semicolon at the select's depth ends the list too.
  for (let i = select.end; i < end; i += 1) {
    if ((masked[i] === ')' && (depthAt[i] as number) < select.depth) || (masked[i] === ';' && depthAt[i] === select.depth)) { end = i; break; }
  }
  let start = select.end;
  const distinct = /^\s+distinct(\s+on\s*\()?/iu.exec(masked.slice(start));
  if (distinct) {
    start += distinct[0].length;
    if (distinct[1]) { while (start < end && (depthAt[start] as number) > select.depth) start += 1; start += 1; }
  }
  const items: Array<{ start: number; end: number }> = [];
  let from = start;
  for (let i = start; i < end; i += 1) {
    if (masked[i] === ',' && depthAt[i] === select.depth) { items.push({ start: from, end: i }); from = i + 1; }
  }
  if (masked.slice(from, end).trim() !== '') items.push({ start: from, end });
  return items;
}

/** Whether the select at words[index] is a branch of a UNION, INTERSECT or EXCEPT at its own depth. */
function inSetOperation(masked: string, words: Word[], index: number, depthAt: Int32Array): boolean {
  const select = words[index] as Word;
  // The group holding it: from the parenthesis (or semicolon) before it to the one closing it.
  let from = select.start;
  while (from > 0 && !((masked[from - 1] === '(' && (depthAt[from - 1] as number) < select.depth) || (masked[from - 1] === ';' && depthAt[from - 1] === select.depth))) from -= 1;
  let to = select.end;
  while (to < masked.length && !((masked[to] === ')' && (depthAt[to] as number) < select.depth) || (masked[to] === ';' && depthAt[to] === select.depth))) to += 1;
  return words.some((w) => w.depth === select.depth && w.start >= from && w.end <= to && SET_OPERATORS.has(w.lower));
}

function firstNonSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/u.test(text[i] as string)) i += 1;
  return i;
}

function lastNonSpace(text: string, to: number): number {
  let i = to - 1;
  while (i > 0 && /\s/u.test(text[i] as string)) i -= 1;
  return i;
}
