/**
 * The webhook dispatcher: after writes, POSTs form-encoded deliveries to the enabled subscriptions
 * whose settings ask for them (docs/kommo-api.md §9; docs/kommo-fidelity.md, "Webhook deliveries").
 * Writes that land within `coalesceMs` of each other go out together, so a batch create of three
 * leads is one delivery with `leads[add][0..2]`. Only loopback `http:` destinations are ever
 * contacted; any other destination is logged as refused.
 */
import { request, type ClientRequest } from 'http';
import { randomUUID } from 'crypto';
import { performance } from 'perf_hooks';
import { encodeForm } from './formEncoding';
import { buildDelivery, type PayloadAccount } from './webhookPayload';
import type { EntityChange } from './changes';
import type { WebhookRegistry } from './webhooks';
import type { WebhookDelivery, WebhookDispatchSettings, WebhookSubscription } from './webhookTypes';

export const DEFAULT_DISPATCH_SETTINGS: Readonly<WebhookDispatchSettings> = {
  coalesceMs: 50,
  timeoutMs: 2000,
  maxFailures: 100,
  failureWindowMs: 2 * 60 * 60 * 1000,
};

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Headers seen on Kommo's deliveries (docs/kommo-fidelity.md, "Webhook deliveries"). */
const USER_AGENT = 'amoCRM-Webhooks/3.0';

function isLoopbackHttp(destination: string): boolean {
  const url = new URL(destination);
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

interface Attempt {
  status: number;
  error?: string;
}

export class WebhookDispatcher {
  /** The delivery log; `reset()` empties this same array. */
  readonly deliveries: WebhookDelivery[] = [];
  private settings: WebhookDispatchSettings;
  private readonly initialSettings: WebhookDispatchSettings;
  private queue: EntityChange[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushed: Promise<void> = Promise.resolve();
  private releaseFlush: () => void = () => undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly sockets = new Set<ClientRequest>();
  /** Bumped by reset(): results of deliveries started before it are dropped. */
  private generation = 0;

  constructor(
    private readonly registry: WebhookRegistry,
    private readonly account: PayloadAccount,
    private readonly nowMs: () => number,
    settings: Partial<WebhookDispatchSettings> = {},
  ) {
    this.initialSettings = { ...DEFAULT_DISPATCH_SETTINGS, ...settings };
    this.settings = this.initialSettings;
  }

  configure(settings: Partial<WebhookDispatchSettings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  /** The change-feed listener: queue the write and open the coalescing window if none is open. */
  accept(change: EntityChange): void {
    this.queue.push(change);
    if (this.timer) return;
    this.flushed = new Promise((resolve) => {
      this.releaseFlush = resolve;
    });
    this.timer = setTimeout(() => this.flush(), this.settings.coalesceMs);
  }

  async idle(): Promise<void> {
    while (this.timer || this.inFlight.size > 0) {
      await Promise.all([this.flushed, ...this.inFlight]);
    }
  }

  /** Forget queued writes, the log and the results of deliveries still in flight; back to the start settings. */
  reset(): void {
    this.generation += 1;
    this.settings = this.initialSettings;
    this.queue = [];
    this.stopTimer();
    this.deliveries.length = 0;
  }

  /** Stop the window and abort deliveries in flight, so the sandbox can close at once. */
  close(): void {
    this.reset();
    for (const socket of this.sockets) socket.destroy(new Error('sandbox closed'));
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.releaseFlush();
  }

  private flush(): void {
    const changes = this.queue;
    this.queue = [];
    this.timer = undefined;
    for (const subscription of this.registry.enabled()) {
      const payload = buildDelivery(changes, new Set(subscription.settings), this.account);
      if (payload) this.track(this.deliver(subscription, encodeForm(payload)));
    }
    this.releaseFlush();
  }

  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async deliver(subscription: WebhookSubscription, body: string): Promise<void> {
    const generation = this.generation;
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': USER_AGENT,
      'x-amocrm-requestid': randomUUID(),
      'content-length': String(Buffer.byteLength(body)),
    };
    const entry: WebhookDelivery = {
      at: this.nowMs(),
      subscriptionId: subscription.id,
      destination: subscription.destination,
      headers,
      body,
      status: 0,
      outcome: 'refused',
      durationMs: 0,
    };
    this.deliveries.push(entry);
    if (!isLoopbackHttp(subscription.destination)) {
      entry.error = 'the sandbox only delivers to http://127.0.0.1 or http://localhost';
      return;
    }
    const started = performance.now();
    const attempt = await this.post(subscription.destination, headers, body);
    if (generation !== this.generation) return;
    entry.durationMs = performance.now() - started;
    entry.status = attempt.status;
    entry.error = attempt.error;
    entry.outcome = attempt.status >= 200 && attempt.status < 300 ? 'delivered' : 'failed';
    if (entry.outcome === 'failed') {
      this.registry.recordFailure(subscription.id, this.nowMs(), this.settings.maxFailures, this.settings.failureWindowMs);
    }
  }

  /** One POST; a complete 2xx answer within `timeoutMs` is the only success (docs/kommo-api.md §9). */
  private post(destination: string, headers: Record<string, string>, body: string): Promise<Attempt> {
    return new Promise((resolve) => {
      const req = request(destination, { method: 'POST', headers, agent: false });
      this.sockets.add(req);
      const finish = (attempt: Attempt): void => {
        clearTimeout(timeout);
        this.sockets.delete(req);
        resolve(attempt);
      };
      const timeout = setTimeout(() => {
        req.destroy();
        finish({ status: 0, error: `no complete answer within ${this.settings.timeoutMs} ms` });
      }, this.settings.timeoutMs);
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => finish({ status: res.statusCode ?? 0 }));
        res.on('error', (error) => finish({ status: 0, error: error.message }));
      });
      req.on('error', (error) => finish({ status: 0, error: error.message }));
      req.end(body);
    });
  }
}
