/**
 * `npm run bench`: every figure next to its baseline from the same run, printed as a table and
 * written to bench/results/latest.json with the machine it ran on. About 9 minutes, of which
 * the multi-process figure takes 4 (12 scenarios of real child processes).
 *
 * Order matters on a small machine: the timing-sensitive benchmarks (overhead, throughput) run
 * alone; the RabbitMQ broker for the start-up benchmark boots while calls-per-message and the
 * write counts run, which only count. `BENCH_ONLY=overhead,throughput` runs a subset.
 */
import os from 'os';
import { join } from 'path';
import { startBroker, type RunningBroker } from '../spec-e2e/harness/broker';
import { runCallsPerMessage } from './callsPerMessage';
import { runLookupObjects } from './lookupObjects';
import { runMultiProcess } from './multiProcess';
import { runOverhead } from './overhead';
import { runPolling } from './polling';
import { formatTable, machineInfo, writeReport, type BenchResult, type SkippedBench } from './report';
import { runStartup } from './startup';
import { runThroughput } from './throughput';
import { runWrites } from './writes';

type BenchName = 'overhead' | 'throughput' | 'lookupObjects' | 'multiProcess' | 'polling' | 'callsPerMessage' | 'writes' | 'startup';
const ALL: readonly BenchName[] = ['overhead', 'throughput', 'lookupObjects', 'multiProcess', 'polling', 'callsPerMessage', 'writes', 'startup'];

function selected(): Set<BenchName> {
  const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim()).filter(Boolean);
  if (!only || only.length === 0) return new Set(ALL);
  const unknown = only.filter((name) => !ALL.includes(name as BenchName));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown benchmark(s) ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
  return new Set(only as BenchName[]);
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function main(): Promise<void> {
  const wanted = selected();
  const startedAt = new Date();
  const startMs = performance.now();
  const machine = machineInfo();
  console.log(`Kommo component benchmarks on ${machine.cpuModel} (${machine.cores} cores, ${machine.memoryGiB} GiB), Node ${machine.node}; load ${machine.loadAverageAtStart.join(' ')}`);
  const results: BenchResult[] = [];
  const skipped: SkippedBench[] = [];
  const attempt = async (name: BenchName, run: () => Promise<BenchResult>): Promise<void> => {
    if (!wanted.has(name)) return;
    const benchStartMs = performance.now();
    console.log(`- ${name}...`);
    try {
      results.push(await run());
      console.log(`  done in ${((performance.now() - benchStartMs) / 1000).toFixed(1)} s`);
    } catch (error) {
      skipped.push({ name, reason: reason(error) });
      console.log(`  FAILED: ${reason(error)}`);
    }
  };

  await attempt('overhead', () => runOverhead());
  await attempt('throughput', () => runThroughput());
  await attempt('lookupObjects', () => runLookupObjects());
  await attempt('multiProcess', () => runMultiProcess());
  // Latency-bound (250 ms answers), so it runs before the broker boots.
  await attempt('polling', () => runPolling());

  // The broker boots (CPU-heavy for a few seconds) while calls-per-message only counts requests.
  const broker: Promise<RunningBroker> | undefined = wanted.has('startup') ? startBroker() : undefined;
  broker?.catch(() => undefined);
  await attempt('callsPerMessage', () => runCallsPerMessage());
  await attempt('writes', () => runWrites());
  if (broker) {
    let running: RunningBroker | undefined;
    try {
      running = await broker;
    } catch (error) {
      skipped.push({ name: 'startup', reason: `RabbitMQ could not be started (scripts/rabbitmq.sh): ${reason(error)}` });
    }
    if (running) {
      const uri = running.uri;
      await attempt('startup', () => runStartup(uri));
      await running.stop();
    }
  }

  const totalSeconds = Math.round((performance.now() - startMs) / 100) / 10;
  console.log(`\n${formatTable(results)}\n`);
  for (const skip of skipped) console.log(`not measured: ${skip.name}: ${skip.reason}`);
  const file = writeReport({ startedAt: startedAt.toISOString(), totalSeconds, machine, loadAverageAtEnd: os.loadavg().map((load) => Math.round(load * 100) / 100), results, skipped }, join(__dirname, 'results'));
  console.log(`total ${totalSeconds} s; details in ${file}`);
  if (skipped.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
