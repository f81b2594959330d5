/**
 * Small helpers every benchmark shares: a logger that discards (counting its calls), a
 * runtime-like handler context, one message run the way sailor runs it, and statistics.
 */
import type { ComponentContext, Logger, Message } from '../lib/context';

/** A logger that drops every line, like the runtime at a quiet level, but counts the calls. */
export interface CountingLogger extends Logger {
  readonly calls: () => number;
}

export function countingLogger(): CountingLogger {
  let count = 0;
  const discard = (): void => {
    count += 1;
  };
  return { trace: discard, debug: discard, info: discard, warn: discard, error: discard, calls: () => count };
}

/** `this` for a handler: a discarding logger and an `emit` that records event names only. */
export function quietContext(logger: Logger = countingLogger()): ComponentContext & { events: string[] } {
  const events: string[] = [];
  return {
    logger,
    events,
    emit(event: string) {
      events.push(event);
      return Promise.resolve();
    },
  };
}

/** A component action handler as sailor calls it. */
export type ActionHandler<Config> = (this: ComponentContext, msg: Message, cfg: Config) => Promise<Message | undefined>;

/** How one message ended: sailor would emit `data` for a returned message, `error` for a throw. */
export type MessageOutcome = { kind: 'data'; message: Message } | { kind: 'error'; error: unknown } | { kind: 'nothing' };

/** Runs one message through a handler like sailor's executor: a resolved message is data, a throw an error. */
export async function runMessage<Config>(handler: ActionHandler<Config>, body: unknown, cfg: Config, logger?: Logger): Promise<MessageOutcome> {
  try {
    const message = await handler.call(quietContext(logger), { body }, cfg);
    return message ? { kind: 'data', message } : { kind: 'nothing' };
  } catch (error) {
    return { kind: 'error', error };
  }
}

/** The `q`-quantile (0–1) with linear interpolation between the nearest ranks; NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (sorted.length - 1) * q;
  const below = Math.floor(rank);
  const above = Math.ceil(rank);
  return sorted[below] + (sorted[above] - sorted[below]) * (rank - below);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function delay(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}

/** Rounds for reports: enough digits to compare, not more. */
export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Runs `count` calls of `task` one after another. */
export async function sequentially(count: number, task: (index: number) => Promise<void>): Promise<void> {
  for (let index = 0; index < count; index += 1) await task(index);
}

/** `callers` concurrent loops, each running `perCaller` calls of `task` one after another. */
export async function concurrently(callers: number, perCaller: number, task: (caller: number, index: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: callers }, (_, caller) => sequentially(perCaller, (index) => task(caller, index))));
}
