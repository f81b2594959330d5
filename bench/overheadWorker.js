// The measured side of the client-overhead benchmark (bench/overhead.ts), run as its own Node
// process so that the sandbox's work stays on the parent's CPU account: here only the client side
// of each request is counted (user + system time of this process, `process.cpuUsage()`).
//
// Plain JavaScript run by plain `node`, on purpose: it loads the component's `tsc` output
// (`lib/**/*.js`, built by `npm run bench`), the code production runs. Under `tsx` a
// `require('../lib/...')` gets esbuild's build of the `.ts` source instead, which wraps functions
// in a `__name` helper that production code does not have (measured: a few µs per request in
// the limiter alone). Message shapes: `OverheadCommand` and `OverheadReport` in bench/overhead.ts.
//
// The parent asks for rounds; the worker answers with the CPU time and wall time each variant
// spent on exactly its own requests, measured batch by batch. Variants:
//
// - `ours`: the production path. `createKommoClient` with the process's keep-alive transport,
//   the adaptive rate limiter as the process scope builds it, and sailor's own component logger
//   (`ComponentLogger` of elasticio-sailor-nodejs: bunyan, one JSON line per attempt with the
//   step's identity fields, written synchronously to stdout, a pipe that the parent reads and
//   discards, as the container runtime reads a step's stdout).
// - `oursLineFiltered`: the same, but sailor's logger is set to `warn`, so bunyan's level check
//   drops the client's `info` line: what writing the line costs, and what a line at `debug`
//   would cost under sailor's default level.
// - `clientOnly`: the client without limiter, with a logger that drops lines without looking at
//   them: the set-up of the wall-clock figure this one replaced.
// - `bare`: axios with a keep-alive agent and `maxRedirects: 0`, the leanest axios; no log line.
// - `axiosDefaults`: axios with its default `maxRedirects` (the follow-redirects wrapper).
//
// The limiter runs on a clock LIMITER_CLOCK_SPEEDUP times faster than real time. At Kommo's
// 7 requests/s the tens of thousands of limited requests of a run would take over an hour,
// nearly all of it idle; on the fast clock every grant is due at once, yet each request goes through all of the
// limiter's bookkeeping (window log, pace, slow start, in-flight set, settle with connection
// re-use) as in production. What it skips is the timer a waiting grant sets: the worker counts
// those timers and reports them (0 expected).
const http = require('http');
const { performance } = require('perf_hooks');
const { setTimeout, clearTimeout } = require('timers');
const axios = require('axios');
const { ComponentLogger } = require('elasticio-sailor-nodejs/lib/logging');
const { createKommoClient } = require('../lib/client/KommoClient');
const { resolveSettings } = require('../lib/client/options');
const { createRateLimiter } = require('../lib/client/rateLimiter');

// Real milliseconds are this many limiter milliseconds: 7 grants need 1,030 of them, 0.1 real ms.
const LIMITER_CLOCK_SPEEDUP = 10000;
const PATH = 'account';

// Sailor's logger as its executor creates one per message, with the message's AMQP header ids.
function sailorComponentLogger() {
  return new ComponentLogger({
    threadId: 'a2f1c0d4-6f1e-4c39-9d5b-3f0c2b8e7a11',
    messageId: '5b8e2a90-1c4d-4e7f-8a3b-9d6c0f1e2b34',
    parentMessageId: 'c7d9e1f3-2a4b-4c6d-8e0f-1a3b5c7d9e2f',
  });
}

const drop = () => undefined;
const droppingLogger = { trace: drop, debug: drop, info: drop, warn: drop, error: drop };

// A benchmark of errors measures nothing.
function expectOk(status, who) {
  if (status !== 200) throw new Error(`overhead bench: ${who} got HTTP ${status}`);
}

// Batch b starts at variant b mod n.
function rotated(items, by) {
  return items.map((_, index) => items[(index + by) % items.length]);
}

// One round: `batches` batches of `requestsPerBatch` GETs per variant, interleaved, so that
// whatever else the machine does at a given moment falls on all variants alike. Garbage is
// collected whenever V8 decides, and so charged to the variants by how much they allocate.
async function runRound(command, calls) {
  const spent = {};
  for (let batch = 0; batch < command.batches; batch += 1) {
    for (const variant of rotated(command.variants, batch)) {
      const call = calls[variant];
      const startMs = performance.now();
      const start = process.cpuUsage();
      for (let request = 0; request < command.requestsPerBatch; request += 1) await call();
      const used = process.cpuUsage(start);
      const wallMs = performance.now() - startMs;
      const total = spent[variant] || (spent[variant] = { requests: 0, cpuUs: 0, wallMs: 0 });
      total.requests += command.requestsPerBatch;
      total.cpuUs += used.user + used.system;
      total.wallMs += wallMs;
    }
  }
  return spent;
}

async function main() {
  const task = JSON.parse(process.argv[2]);
  const cfg = { oauth: { access_token: task.accessToken }, baseUrl: task.baseUrl };
  let limiterTimers = 0;
  const rateLimiter = createRateLimiter({
    requestsPerSecond: resolveSettings().rateLimitRps,
    now: () => performance.now() * LIMITER_CLOCK_SPEEDUP,
    setTimer: (fn, delayMs) => {
      limiterTimers += 1;
      const timer = setTimeout(fn, delayMs / LIMITER_CLOCK_SPEEDUP);
      return () => clearTimeout(timer);
    },
  });
  const sailorLogger = sailorComponentLogger();
  // A child of sailor's logger is a bunyan logger with sailor's wrappers, and has `level()`.
  const filteredLogger = sailorLogger.child({});
  filteredLogger.level('warn');
  const ours = await createKommoClient(cfg, { logger: sailorLogger, rateLimiter });
  const oursLineFiltered = await createKommoClient(cfg, { logger: filteredLogger, rateLimiter });
  const clientOnly = await createKommoClient(cfg, { logger: droppingLogger, rateLimiter: null });
  const bare = axios.create({ httpAgent: new http.Agent({ keepAlive: true }), maxRedirects: 0 });
  const axiosDefaults = axios.create({ httpAgent: new http.Agent({ keepAlive: true }) });
  const url = `${task.baseUrl}/api/v4/${PATH}`;
  const headers = { authorization: `Bearer ${task.accessToken}`, accept: 'application/json' };
  const calls = {
    ours: async () => expectOk((await ours.request({ method: 'GET', url: PATH })).status, 'KommoClient'),
    oursLineFiltered: async () => expectOk((await oursLineFiltered.request({ method: 'GET', url: PATH })).status, 'KommoClient (line filtered)'),
    clientOnly: async () => expectOk((await clientOnly.request({ method: 'GET', url: PATH })).status, 'KommoClient (no limiter)'),
    bare: async () => expectOk((await bare.get(url, { headers })).status, 'bare axios'),
    axiosDefaults: async () => expectOk((await axiosDefaults.get(url, { headers })).status, 'axios defaults'),
  };

  const send = (report) => process.send(report);
  process.on('message', (command) => {
    runRound(command, calls).then(
      (spent) => send({ kind: 'round', spent, limiterTimers }),
      (error) => send({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }),
    );
  });
  // The parent closing the channel ends the worker (idle keep-alive sockets would hold it open).
  process.on('disconnect', () => process.exit(0));
  send({ kind: 'ready', limiterClockSpeedup: LIMITER_CLOCK_SPEEDUP });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
