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

/**
 * How a long verb (collect, nightly, rollup) talks. Progress and a closing summary line go to stderr
 * when it is a terminal. The JSON log lines stay on stdout for whoever reads it (a pipe, journald),
 * but when stdout is the same terminal a person is watching, only warnings and errors are logged:
 * the summary line says what the info lines would.
 */
export function consoleMode(): { progress: Progress; logLevel: 'info' | 'warn'; say(message: string): void } {
  const human = Boolean(process.stderr.isTTY);
  return {
    progress: createProgress(human),
    logLevel: human && process.stdout.isTTY ? 'warn' : 'info',
    say: (message) => { if (human) process.stderr.write(`\r\x1b[2K${message}`); },
  };
}

export const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;
