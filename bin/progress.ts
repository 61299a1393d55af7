/** Progress for humans on a terminal (stderr, one rewritten line); silent when not on one. */
export interface Progress { update(label: string, done: number, total?: number): void; done(message?: string): void }

export function createProgress(enabled = Boolean(process.stderr.isTTY)): Progress {
  let last = 0;
  return {
    update(label, done, total) {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 100 && (total === undefined || done < total)) return;
      last = now;
      const share = total ? ` ${Math.floor((done / total) * 100)}%` : '';
      process.stderr.write(`\r\x1b[2K${label}: ${done}${total ? `/${total}` : ''}${share}`);
    },
    done(message) {
      if (!enabled) return;
      process.stderr.write(`\r\x1b[2K${message ? `${message}\n` : ''}`);
    },
  };
}
