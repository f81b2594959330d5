/**
 * The child process of the peak-RSS figure in bench/lookupObjects.ts: runs one Lookup Objects
 * message against the parent's sandbox (BENCH_* variables), serialises every emitted message as
 * sailor would before publishing it, and reports its peak RSS to the parent. Pacing is off: only
 * the result size differs between runs.
 */
import { processAction } from '../lib/actions/lookupObjects';
import type { Message } from '../lib/context';
import { countingLogger } from './support';

async function main(): Promise<void> {
  const env = process.env;
  const emitBehavior = env.BENCH_EMIT ?? 'emitIndividually';
  const maxResults = Number(env.BENCH_MAX);
  let emitted = 0;
  let bytes = 0;
  let liveHeapMiB = 0;
  // With --expose-gc: the heap that survives a full collection, every 1,000 messages (what is
  // really held, as opposed to RSS, which also holds garbage not yet collected).
  const gc = (globalThis as { gc?: () => void }).gc;
  const sampleLiveHeap = (): void => {
    if (!gc) return;
    gc();
    liveHeapMiB = Math.max(liveHeapMiB, process.memoryUsage().heapUsed / 2 ** 20);
  };
  const context = {
    logger: countingLogger(),
    emit(event: string, payload?: unknown) {
      if (event === 'data') {
        emitted += 1;
        bytes += JSON.stringify(payload).length;
        if (emitted % 1000 === 0) sampleLiveHeap();
      }
      return Promise.resolve();
    },
  };
  const cfg = { oauth: { access_token: env.BENCH_TOKEN ?? '' }, baseUrl: env.BENCH_BASE_URL ?? '', objectType: 'leads', emitBehavior };
  const startMs = performance.now();
  const message = await processAction.withDeps({ rateLimiter: null })
    .call(context, { body: { filter: { price: Number(env.BENCH_PRICE) }, maxResults } }, cfg) as Message<{ results?: unknown[] }> | undefined;
  if (message) {
    emitted += message.body.results?.length ?? 0;
    bytes += JSON.stringify(message).length;
  }
  sampleLiveHeap();
  const report = {
    emitted,
    liveHeapMiB: Math.round(liveHeapMiB * 10) / 10,
    serialisedMiB: Math.round((bytes / 2 ** 20) * 10) / 10,
    maxRssMiB: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
    elapsedMs: Math.round(performance.now() - startMs),
  };
  process.send?.(report, () => process.disconnect());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
