/**
 * Sailor's `run.js` forked for one start-up measurement: with a chosen component directory as
 * cwd (the platform runs it from the component root), its output kept for diagnostics, its
 * IPC `init:ended` timed, and its resident set size read from /proc.
 */
import { fork, type ChildProcess } from 'child_process';
import { readFileSync } from 'fs';
import { resolve } from 'path';

const RUN_JS = resolve(__dirname, '../node_modules/elasticio-sailor-nodejs/run.js');

export interface ForkedSailor {
  child: ChildProcess;
  /** `performance.now()` just before `fork`. */
  forkedAtMs: number;
  /** Resolves with `performance.now()` at IPC `init:ended`. */
  initEnded: Promise<number>;
  exited: Promise<void>;
  output(): string;
}

export function forkRunJs(componentDir: string, env: Record<string, string>): ForkedSailor {
  const forkedAtMs = performance.now();
  const child = fork(RUN_JS, [], { cwd: componentDir, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk));
  const initEnded = new Promise<number>((done) => {
    child.on('message', (message: unknown) => {
      if (typeof message === 'object' && message !== null && (message as { event?: unknown }).event === 'init:ended') done(performance.now());
    });
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return { child, forkedAtMs, initEnded, exited, output: () => Buffer.concat(chunks).toString('utf8') };
}

/** VmRSS of a live process in KiB (Linux), or NaN when it cannot be read. */
export function residentKiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** SIGTERM (the platform's stop), then SIGKILL if it has not exited within `timeoutMs`. */
export async function stopSailor(sailor: ForkedSailor, timeoutMs = 10_000): Promise<void> {
  if (sailor.child.exitCode !== null || sailor.child.signalCode !== null) return;
  sailor.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((done) => (timer = setTimeout(() => done('hung'), timeoutMs)));
  const outcome = await Promise.race([sailor.exited.then(() => 'exited' as const), hung]);
  clearTimeout(timer);
  if (outcome === 'hung') {
    sailor.child.kill('SIGKILL');
    await sailor.exited;
  }
}
