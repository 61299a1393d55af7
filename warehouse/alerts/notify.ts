/**
 * Each new alert is told once through WAREHOUSE_NOTIFY_COMMAND (the command `systemd notify` uses for a
 * failed unit). One message per evaluation lists every open alert not told yet, so a first night with
 * many findings is one message, not hundreds. The alerts are marked notified only when the command
 * exits 0; a command that fails (or is not set) leaves them owed, and the next evaluation tries again.
 * A failure is returned for the caller to log, never thrown: the rollup that evaluated has succeeded.
 */
import { hostname } from 'node:os';
import type { Sql } from 'postgres';
import type { Env } from '../config.js';
import { runNotifyCommand, type NotifyMessage } from '../notify-command.js';
import { redact } from '../redact.js';
import type { OpenAlert } from './evaluate.js';

/** A webhook that has not answered in a minute is not going to; the rollup should not wait on it. */
const NOTIFY_TIMEOUT_MS = 60_000;
/** Lines listed in one message; the rest are counted and found with `warehouse alerts`. */
const LISTED = 25;

export interface NotifyOutcome {
  /** Alerts the command took (exit 0). */
  sent: number;
  /** Alerts still owed a notification after this attempt. */
  owed: number;
  /** Why they are owed: the command is not set, or how it failed (redacted). */
  problem: string | null;
}

export function alertLine(a: Pick<OpenAlert, 'condition' | 'subject' | 'detail' | 'firstSeenOn'>): string {
  return `[${a.condition}] ${a.subject}: ${a.detail} (since ${a.firstSeenOn})`;
}

export function alertMessage(owed: OpenAlert[], host = hostname()): NotifyMessage {
  const first = owed[0];
  const subject = `warehouse: ${owed.length} new alert(s) on ${host}${first ? `: ${first.condition} ${first.subject}${owed.length > 1 ? ', ...' : ''}` : ''}`;
  const listed = owed.slice(0, LISTED).map((a) => `- ${alertLine(a)}`);
  const more = owed.length > LISTED ? [`- and ${owed.length - LISTED} more`] : [];
  const lines = [subject, ...listed, ...more,
    'every open alert: `warehouse alerts` (bi.alerts); thresholds: core.alert_conditions (README, "Alerts")'];
  return { unit: 'alerts', subject: redact(subject), message: redact(lines.join('\n')) };
}

export async function notifyNewAlerts(sql: Sql, open: OpenAlert[], command: string | undefined, env: Env): Promise<NotifyOutcome> {
  const owed = open.filter((a) => a.notifiedAt === null);
  if (owed.length === 0) return { sent: 0, owed: 0, problem: null };
  if (!command) return { sent: 0, owed: owed.length, problem: 'WAREHOUSE_NOTIFY_COMMAND is not set' };
  const ids = owed.map((a) => a.alertId);
  let problem: string | null;
  try {
    const status = await runNotifyCommand(command, alertMessage(owed), env, { timeoutMs: NOTIFY_TIMEOUT_MS });
    problem = status === 0 ? null : status === 124 ? `WAREHOUSE_NOTIFY_COMMAND did not finish within ${NOTIFY_TIMEOUT_MS / 1000} s` : `WAREHOUSE_NOTIFY_COMMAND exited ${status}`;
  } catch (error) {
    problem = redact(`WAREHOUSE_NOTIFY_COMMAND could not be started: ${(error as Error).message}`);
  }
  // The caller's list is kept true to the table, so what it prints afterwards says notified or owed rightly.
  if (problem === null) {
    const [row] = await sql<{ at: Date }[]>`
      update ops.alerts set notified_at = now(), notify_attempts = notify_attempts + 1, notify_error = null
      where alert_id = any(${ids}::bigint[]) returning notified_at as at`;
    for (const a of owed) Object.assign(a, { notifiedAt: row?.at ?? new Date(), notifyAttempts: a.notifyAttempts + 1, notifyError: null });
    return { sent: owed.length, owed: 0, problem: null };
  }
  await sql`update ops.alerts set notify_attempts = notify_attempts + 1, notify_error = ${problem} where alert_id = any(${ids}::bigint[])`;
  for (const a of owed) Object.assign(a, { notifyAttempts: a.notifyAttempts + 1, notifyError: problem });
  return { sent: 0, owed: owed.length, problem };
}
