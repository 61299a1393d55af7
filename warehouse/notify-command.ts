/**
 * WAREHOUSE_NOTIFY_COMMAND: the operator's shell command that carries a message to a person (mail,
 * chat webhook, pager). Used by `systemd notify` for a failed unit and by the alerts for new alerts;
 * the command reads the message on stdin or in $WAREHOUSE_NOTIFY_MESSAGE, the subject line in
 * $WAREHOUSE_NOTIFY_SUBJECT and what sent it in $WAREHOUSE_NOTIFY_UNIT.
 */
import { spawn } from 'node:child_process';
import type { Env } from './config.js';

export interface NotifyMessage {
  /** The failed unit, or `alerts` for a message about new alerts. */
  unit: string;
  /** Already redacted. */
  subject: string;
  /** Already redacted. */
  message: string;
}

/**
 * Run the operator's command through /bin/sh with the message on stdin; resolves to its exit status.
 * With timeoutMs, a command still running then is killed and the status is 124 (as timeout(1) says),
 * so a hung webhook cannot hold the job that sends it.
 */
export function runNotifyCommand(command: string, report: NotifyMessage, env: Env, options: { timeoutMs?: number } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      env: { ...env, WAREHOUSE_NOTIFY_UNIT: report.unit, WAREHOUSE_NOTIFY_SUBJECT: report.subject, WAREHOUSE_NOTIFY_MESSAGE: report.message },
      stdio: ['pipe', 'inherit', 'inherit'],
    });
    let timedOut = false;
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(error);
    });
    child.stdin.on('error', () => {}); // a command that ignores stdin closes it early
    child.stdin.end(`${report.message}\n`);
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve(timedOut ? 124 : code ?? (signal ? 128 : 1));
    });
  });
}
