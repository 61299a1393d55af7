/**
 * `warehouse systemd notify <unit>`: what warehouse-notify@.service runs when a warehouse unit fails.
 * One message an on-call person can act on (which unit, which exit status and what it means, the last
 * run's error from the database, what to do), handed to WAREHOUSE_NOTIFY_COMMAND on stdin and in
 * $WAREHOUSE_NOTIFY_MESSAGE. systemd (v251+) describes the failed unit in $MONITOR_* variables.
 */
import { hostname } from 'node:os';
import postgres from 'postgres';
import type { Env } from '../../warehouse/config.js';
import { redact } from '../../warehouse/redact.js';
import type { NotifyMessage } from '../../warehouse/notify-command.js';

export { runNotifyCommand } from '../../warehouse/notify-command.js';

export interface ExitMeaning { meaning: string; action: string }

type UnitKind = 'collect' | 'rollup' | 'retention' | 'other';

export function unitKind(unit: string): { kind: UnitKind; source?: string } {
  const collect = /^warehouse-collect@([a-z0-9]+)\.service$/u.exec(unit);
  if (collect?.[1]) return { kind: 'collect', source: collect[1] };
  if (unit.startsWith('warehouse-rollup.')) return { kind: 'rollup' };
  if (unit.startsWith('warehouse-retention.')) return { kind: 'retention' };
  return { kind: 'other' };
}

/** The exit statuses of DESIGN.md §5 as each unit uses them, and the systemd ones an operator meets. */
export function explainExit(kind: UnitKind, status: string | undefined, result: string | undefined, unit: string): ExitMeaning {
  const rerun = `re-run with \`systemctl start ${unit}\``;
  if (result === 'timeout') return { meaning: 'ran past TimeoutStartSec= and was stopped; nothing half-done was published', action: `find what was slow in \`journalctl -u ${unit}\`, then ${rerun}` };
  if (result === 'signal' || result === 'core-dump') return { meaning: `killed by signal ${status ?? '?'}; nothing half-done was published`, action: `check for an OOM kill in \`journalctl -k\`, then ${rerun}` };
  const partial: Record<UnitKind, ExitMeaning> = {
    collect: { meaning: 'published, but an optional stream failed (partial)', action: 'read the stream error below; usually a missing API permission' },
    rollup: { meaning: 'incomplete: a source-day is missing (or a collector was still unfinished at the deadline); counted what was published', action: `re-run the missing collection (\`systemctl start warehouse-collect@<source>.service\`), then ${rerun}` },
    retention: { meaning: 'a partition was busy (a long query held it) and was left for the next night, or a collector was still unfinished at the deadline', action: 'nothing for a busy partition, retention retries tomorrow; otherwise see the collector named in the journal' },
    other: { meaning: 'partial', action: rerun },
  };
  const table: Record<string, ExitMeaning> = {
    1: { meaning: 'internal error (a bug); nothing was published', action: `report it with \`journalctl -u ${unit}\`` },
    2: { meaning: 'usage or configuration error', action: 'fix the key named in the journal (config file or /etc/credstore), then re-run' },
    3: partial[kind],
    4: { meaning: 'the completeness gate refused to publish; the previous day stays published', action: 'read the reasons; if the fleet really shrank, run `warehouse collect <source> --accept-shrink` by hand' },
    5: { meaning: 'another run of this source held the lock; nothing was changed', action: 'wait for it (`warehouse status`)' },
    6: { meaning: 'the vendor refused the credentials', action: `rotate or fix the secret in /etc/credstore, then ${rerun}` },
    7: { meaning: 'the vendor was unavailable, throttled past the budget or sent garbage; the previous day stays published', action: `${rerun} later` },
    8: { meaning: 'PostgreSQL was unreachable', action: `check the server and DATABASE_URL, then ${rerun}` },
    203: { meaning: 'systemd could not execute the command (node or bin/warehouse.js moved?)', action: 'check the paths in the unit; re-run `warehouse systemd install` after moving the checkout or upgrading node' },
    217: { meaning: 'systemd could not allocate the service user', action: 'check `journalctl -u <unit>`' },
    226: { meaning: 'systemd could not set up the sandbox (file system namespace)', action: 'check `journalctl -u <unit>`; a path in the unit may be missing' },
    238: { meaning: 'systemd could not create the state directory /var/lib/warehouse', action: 'check the disk and /var/lib/private' },
    243: { meaning: 'systemd could not load a credential', action: 'check the files in /etc/credstore' },
  };
  return table[status ?? ''] ?? { meaning: `exit status ${status ?? 'unknown'}`, action: `read \`journalctl -u ${unit}\`, then ${rerun}` };
}

/** The last finished run of a source, from the database, if DATABASE_URL is set (never starts the embedded one). */
export async function lastRunLine(databaseUrl: string | undefined, source: string): Promise<string | undefined> {
  if (!databaseUrl) return undefined;
  const sql = postgres(databaseUrl, { max: 1, connect_timeout: 10, idle_timeout: 1, onnotice: () => {}, connection: { application_name: 'warehouse:notify' } });
  try {
    const [row] = await sql<{ snapshot_day: string; status: string; error_code: string | null; error_message: string | null }[]>`
      select r.snapshot_day::text as snapshot_day, r.status, r.error_code, r.error_message
      from ops.sync_runs as r
      inner join ops.source_instances as si on si.source_instance_id = r.source_instance_id
      where si.source = ${source} and r.status <> 'running'
      order by r.started_at desc, r.run_id desc
      limit 1`;
    if (!row) return `no finished run of ${source} in the database`;
    return `last run of ${source} for ${row.snapshot_day}: ${row.status}${row.error_code ? ` ${row.error_code}` : ''}${row.error_message ? `: ${row.error_message.slice(0, 300)}` : ''}`;
  } catch (error) {
    return `(the database could not be asked for the last run: ${(error as Error).message})`;
  } finally {
    await sql.end({ timeout: 2 }).catch(() => {});
  }
}

export type FailureReport = NotifyMessage;

export async function buildReport(unit: string, env: Env, databaseUrl: string | undefined): Promise<FailureReport> {
  const { kind, source } = unitKind(unit);
  const status = env.MONITOR_EXIT_STATUS;
  const result = env.MONITOR_SERVICE_RESULT;
  const { meaning, action } = explainExit(kind, status, result, unit);
  const host = hostname();
  const subject = `warehouse: ${unit} failed on ${host}: ${meaning.split(';')[0]}`;
  const lines = [
    subject,
    `result: ${result ?? 'unknown'} (${env.MONITOR_EXIT_CODE ?? 'exited'}, status ${status ?? '?'}): ${meaning}`,
    source ? await lastRunLine(databaseUrl, source) : undefined,
    `what to do: ${action}`,
    `journal: journalctl -u ${unit}${env.MONITOR_INVOCATION_ID ? ` _SYSTEMD_INVOCATION_ID=${env.MONITOR_INVOCATION_ID}` : ' --since today'}`,
  ].filter((line): line is string => Boolean(line));
  return { unit, subject: redact(subject), message: redact(lines.join('\n')) };
}
