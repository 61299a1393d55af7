/**
 * The views an operator built on the warehouse's views (in public, in their own schemas, or without a
 * file inside bi and staging): found through pg_depend, captured before the warehouse's views are
 * dropped and recreated after them, so that an upgrade never takes them away. PostgreSQL's own
 * CASCADE would drop them silently; here they are dropped one by one (never with CASCADE) so that
 * anything we do not capture (a function with a SQL-standard body, a column of the view's row type)
 * stops the migration instead of disappearing.
 */
import postgres, { type TransactionSql } from 'postgres';
import { UsageError } from '../warehouse/errors.js';

type Tx = TransactionSql;

export interface Relation {
  oid: string;
  /** schema.name unquoted, as view files name it. */
  key: string;
  /** schema.name quoted for SQL. */
  name: string;
  schema: string;
  kind: 'v' | 'm';
}

export interface ViewGraph {
  relations: Map<string, Relation>;
  /** oid -> oids of the views and materialized views it reads. */
  reads: Map<string, Set<string>>;
}

/** Every view and materialized view in the database, and which of them read which. */
export async function loadGraph(tx: Tx): Promise<ViewGraph> {
  const rows = await tx<Relation[]>`
    select c.oid::text as oid, n.nspname || '.' || c.relname as key, format('%I.%I', n.nspname, c.relname) as name,
      n.nspname as schema, c.relkind as kind
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('v', 'm') and n.nspname not in ('pg_catalog', 'information_schema')`;
  const relations = new Map(rows.map((r) => [r.oid, r]));
  // A view's dependencies hang off its _RETURN rule.
  const edges = await tx<{ view: string; reads: string }[]>`
    select distinct r.ev_class::text as view, d.refobjid::text as reads
    from pg_rewrite r join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid
    where d.refclassid = 'pg_class'::regclass and d.refobjid <> r.ev_class`;
  const reads = new Map<string, Set<string>>([...relations.keys()].map((oid) => [oid, new Set<string>()]));
  for (const edge of edges) if (relations.has(edge.reads)) reads.get(edge.view)?.add(edge.reads);
  return { relations, reads };
}

/** Every relation that reads one of `roots`, directly or through others (roots excluded). */
export function readersOf(graph: ViewGraph, roots: Set<string>): Set<string> {
  const found = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [oid, reads] of graph.reads) {
      if (found.has(oid) || roots.has(oid)) continue;
      if ([...reads].some((r) => roots.has(r) || found.has(r))) { found.add(oid); grew = true; }
    }
  }
  return found;
}

/** `oids` with what each reads first. */
export function inDependencyOrder(graph: ViewGraph, oids: Iterable<string>): string[] {
  const wanted = new Set(oids);
  const ordered: string[] = [];
  const done = new Set<string>();
  const visit = (oid: string): void => {
    if (done.has(oid)) return;
    done.add(oid); // views cannot form cycles
    for (const r of graph.reads.get(oid) ?? []) if (wanted.has(r)) visit(r);
    ordered.push(oid);
  };
  for (const oid of wanted) visit(oid);
  return ordered;
}

const keyword = (r: Relation): string => (r.kind === 'm' ? 'materialized view' : 'view');

/** Drop readers before what they read, without CASCADE: whatever else depends on them refuses the step. */
export async function dropInOrder(tx: Tx, graph: ViewGraph, oids: Iterable<string>): Promise<void> {
  for (const oid of inDependencyOrder(graph, oids).reverse()) {
    const r = graph.relations.get(oid) as Relation;
    try {
      await tx.savepoint((sp) => sp.unsafe(`drop ${keyword(r)} ${r.name}`));
    } catch (error) {
      if (!(error instanceof postgres.PostgresError) || error.code !== '2BP01') throw error;
      throw new UsageError(
        `migrate cannot replace the warehouse's views: ${error.message} (${error.detail ?? 'other objects'}); nothing was changed`,
        `Drop or change the objects named, then run \`warehouse migrate\` again.`);
    }
  }
}

/** What it takes to recreate a dependant as it was. */
export interface Captured {
  relation: Relation;
  reads: string[];
  definition: string;
  owner: string;
  options: string[] | null;
  populated: boolean;
  /** grant statements from relacl; null when the view has its default privileges. */
  grants: string[] | null;
  /** comment statements, the view's and its columns'. */
  comments: string[];
  /** indexes (materialized views), triggers, rules and column defaults, as statements. */
  extras: string[];
}

export async function capture(tx: Tx, graph: ViewGraph, oids: string[]): Promise<Captured[]> {
  const captured: Captured[] = [];
  for (const oid of oids) {
    const relation = graph.relations.get(oid) as Relation;
    const [row] = await tx<Omit<Captured, 'relation' | 'reads'>[]>`
      select pg_get_viewdef(c.oid) as definition, pg_get_userbyid(c.relowner) as owner, c.reloptions as options,
        c.relispopulated as populated,
        case when c.relacl is null then null else array(
          select format('grant %s on %s to %s%s', a.privilege_type, ${relation.name}::text,
            case when a.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(a.grantee)) end,
            case when a.is_grantable then ' with grant option' else '' end)
          from aclexplode(c.relacl) a) end as grants,
        array(
          select format('comment on %s %s is %L', ${keyword(relation)}::text, ${relation.name}::text, d.description)
          from pg_description d where d.classoid = 'pg_class'::regclass and d.objoid = c.oid and d.objsubid = 0
          union all
          select format('comment on column %s.%I is %L', ${relation.name}::text, a.attname, d.description)
          from pg_description d join pg_attribute a on a.attrelid = c.oid and a.attnum = d.objsubid
          where d.classoid = 'pg_class'::regclass and d.objoid = c.oid and d.objsubid > 0) as comments,
        array(
          select pg_get_indexdef(i.indexrelid) from pg_index i where i.indrelid = c.oid
          union all
          select pg_get_triggerdef(t.oid) from pg_trigger t where t.tgrelid = c.oid and not t.tgisinternal
          union all
          select pg_get_ruledef(r.oid) from pg_rewrite r where r.ev_class = c.oid and r.rulename <> '_RETURN'
          union all
          select format('alter %s %s alter column %I set default %s', ${keyword(relation)}::text, ${relation.name}::text,
            a.attname, pg_get_expr(ad.adbin, ad.adrelid))
          from pg_attrdef ad join pg_attribute a on a.attrelid = ad.adrelid and a.attnum = ad.adnum
          where ad.adrelid = c.oid) as extras
      from pg_class c where c.oid = ${oid}::oid`;
    if (!row) throw new Error(`view ${relation.name} vanished while migrating`);
    captured.push({ relation, reads: [...graph.reads.get(oid) ?? []], ...row });
  }
  return captured;
}

/**
 * Recreate the captured dependants, readers after what they read. Each in its own savepoint so that
 * every one that fails is reported at once; any failure refuses the whole step (the caller's
 * transaction rolls back, so nothing changed).
 */
export async function recreate(tx: Tx, dependants: Captured[]): Promise<void> {
  const failed = new Map<string, string>();
  for (const d of dependants) {
    const r = d.relation;
    const blocked = d.reads.map((oid) => dependants.find((x) => x.relation.oid === oid)).find((x) => x && failed.has(x.relation.oid));
    if (blocked) { failed.set(r.oid, `it reads ${blocked.relation.name}, which could not be recreated`); continue; }
    try {
      await tx.savepoint(async (sp) => {
        const options = d.options?.length ? ` with (${d.options.join(', ')})` : '';
        // A materialized view is created empty and refreshed once it belongs to its owner again: the
        // refresh runs its query as that owner, not as the (often superuser) migrating role. Its data
        // is therefore recomputed now, as of this migration.
        await sp.unsafe(`create ${keyword(r)} ${r.name}${options} as ${d.definition.replace(/;\s*$/u, '')}${r.kind === 'm' ? ' with no data' : ''}`);
        await sp.unsafe(`alter ${keyword(r)} ${r.name} owner to ${quoteIdent(d.owner)}`);
        if (d.grants) {
          // As pg_dump does: start from no privileges, then grant exactly what relacl held.
          await sp.unsafe(`revoke all on ${r.name} from public, ${quoteIdent(d.owner)}`);
          for (const grant of d.grants) await sp.unsafe(grant);
        }
        for (const statement of [...d.comments, ...d.extras]) await sp.unsafe(statement);
        if (r.kind === 'm' && d.populated) await sp.unsafe(`refresh materialized view ${r.name}`);
      });
    } catch (error) {
      if (!(error instanceof postgres.PostgresError)) throw error;
      failed.set(r.oid, error.message);
    }
  }
  if (failed.size === 0) return;
  const names = dependants.filter((d) => failed.has(d.relation.oid)).map((d) => d.relation);
  throw refusal(names.map((n) => `${keyword(n)} ${n.name} cannot be recreated on the new warehouse views: ${failed.get(n.oid)}`), names);
}

/** The refusal of the view step: names each object and what to do; exit 2, nothing changed. */
export function refusal(problems: string[], objects: Relation[]): UsageError {
  const list = objects.map((o) => `${keyword(o)} ${o.name}`).join(', ');
  return new UsageError(
    `migrate refused to replace the warehouse's views, nothing was changed: ${problems.join('; ')}`,
    `Drop or change ${list}, then run \`warehouse migrate\` again.`);
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
