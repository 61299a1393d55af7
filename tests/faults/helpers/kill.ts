/** The night of helpers/pipeline.ts in a child process, SIGKILLed at a chosen checkpoint. */
import { spawn } from 'node:child_process';
import { cleanEnv } from './cli.js';
import type { Checkpoint } from './pipeline.js';

/** Run the night in a child process and SIGKILL it at `at`; resolves with what it printed. */
export function killNightAt(url: string, at: Checkpoint): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/run-ts.js', 'tests/faults/fixtures/night-child.ts'], {
      env: { ...cleanEnv(), DATABASE_URL: url, KILL_AT: at }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('PAUSED')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    child.on('close', (code, signal) => (signal === 'SIGKILL' ? resolve(out) : reject(new Error(`child ended (${code}) without reaching ${at}: ${out} ${err}`))));
  });
}
