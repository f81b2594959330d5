/**
 * Modules that mount extra `/api/v4` routes on every sandbox and live off its change feed (the
 * events journal, the webhooks API and its dispatcher). They get the feed, the clock and a
 * read-only view of the entities; they never write entities themselves.
 */
import type { ChangeFeed } from './changes';
import type { SandboxClock } from './clock';
import type { Route } from './routeKit';

/** What a sandbox hands each extension when it starts. */
export interface ExtensionContext {
  /** Every applied write, published after it is applied. */
  changes: Pick<ChangeFeed, 'subscribe'>;
  /** Kommo's clock (with the configured offset). */
  clock: SandboxClock;
  accountId: number;
  subdomain: string;
  /** The sandbox's base URL once it listens (empty before). */
  baseUrl(): string;
  /** A copy of a stored entity, or undefined (kinds are API plurals: `leads`, `contacts`, …). */
  entity(kind: string, id: number): Record<string, unknown> | undefined;
}

/** A started extension. */
export interface SandboxExtension {
  /** Tried before the built-in routes, in order; `pathname` patterns as in routes.ts. */
  routes: readonly Route[];
  /** Back to the state after start (called by `Sandbox.reset()`). */
  reset(): void;
  /** Stop timers and sockets (called by `Sandbox.close()`). */
  close(): Promise<void>;
}

export type ExtensionFactory = (context: ExtensionContext) => SandboxExtension;

/** Extensions every sandbox mounts, in order. */
export const EXTENSIONS: readonly ExtensionFactory[] = [];
