/**
 * One "container" of the multi-process benchmark (bench/multiProcess.ts), run as its own Node
 * process: its own rate limiter, keep-alive pool and retry policy, like every step of a flow on
 * elastic.io. It builds a KommoClient, reports `ready`, waits for `go`, sends its messages
 * (GET account) from concurrent callers and reports how each ended.
 */
import { KommoBlockedError, KommoHttpError, KommoRateLimitError } from '../lib/client/errors';
import { createKommoClient } from '../lib/client/KommoClient';
import { createRateLimiter } from '../lib/client/rateLimiter';
import { concurrently, countingLogger } from './support';

/** What the parent passes (as JSON in argv[2]). */
export interface WorkerTask {
  baseUrl: string;
  accessToken: string;
  /** `false`: the 1.0 limiter (window only, learns nothing from answers). */
  adaptive: boolean;
  callers: number;
  messagesPerCaller: number;
}

/** How a message ended, from the caller's side. */
export type MessageEnd = 'ok' | 'rateLimited' | 'blocked' | 'banned' | 'other';

/** Messages between parent and worker. */
export type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'done'; ends: Record<MessageEnd, number>; elapsedMs: number };

function endOf(error: unknown): MessageEnd {
  if (error instanceof KommoBlockedError) return 'blocked';
  if (error instanceof KommoRateLimitError) return 'rateLimited';
  if (error instanceof KommoHttpError && error.status === 403) return 'banned';
  return 'other';
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2]) as WorkerTask;
  const rateLimiter = createRateLimiter({ requestsPerSecond: 7, adaptive: task.adaptive });
  const client = await createKommoClient(
    { oauth: { access_token: task.accessToken }, baseUrl: task.baseUrl },
    { logger: countingLogger(), rateLimiter },
  );
  const send = (message: WorkerMessage): Promise<void> => new Promise((resolve) => process.send?.(message, () => resolve()));
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    void send({ kind: 'ready' });
  });
  const ends: Record<MessageEnd, number> = { ok: 0, rateLimited: 0, blocked: 0, banned: 0, other: 0 };
  const startMs = performance.now();
  await concurrently(task.callers, task.messagesPerCaller, async () => {
    const end = await client.request({ method: 'GET', url: 'account' }).then(() => 'ok' as const, endOf);
    ends[end] += 1;
  });
  await send({ kind: 'done', ends, elapsedMs: performance.now() - startMs });
  // Idle keep-alive sockets would hold the process open.
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
