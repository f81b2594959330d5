/**
 * Receive Webhook Events (type webhook): Kommo posts its webhooks to the flow's address, and each
 * entity of a delivery becomes one message `{event, entity_type, action, account, object}`.
 *
 * - `startup(cfg)` subscribes `POST /api/v4/webhooks {destination, settings}` with the configured
 *   events; the destination is the flow's webhook URL plus a secret token (lib/webhooks/secret.ts)
 *   and is returned as `{destination}`. Idempotent (lib/webhooks/subscription.ts).
 * - `shutdown(cfg, data)` deletes that destination and any other of this flow; safe to run twice,
 *   and when the startup data is lost.
 * - `process(msg, cfg)`: admit (token, repeated request id, body; refused → a warning, nothing
 *   else: no message, no error, no Kommo request) → convert to v4-shaped events → with "Fetch
 *   full objects", read them again (one request per entity type) and keep the confirmed ones →
 *   decorate (`custom_fields_by_id`) → one data message per event. The gateway has answered
 *   Kommo already; this step never replies to the HTTP caller (Kommo allows 2 s).
 *
 * Hooks run without `this` (docs/elasticio-triggers.md §2): `service()` gives them a logger of
 * their own. Requests go only to the credential's account; the delivery's `account` block is data.
 */
import type { CredentialConfig } from '../client/auth';
import { KommoError } from '../client/errors';
import { accountModelFor } from '../entities/accountModel';
import * as processScope from '../processScope';
import { readCheckbox, service, step } from '../step';
import { convertDelivery, type WebhookEvent } from '../webhooks/convert';
import { decorateEvents } from '../webhooks/decorate';
import { admitDelivery, type WebhookRequest } from '../webhooks/delivery';
import { readWebhookEvents } from '../webhooks/events';
import type { FormTree } from '../webhooks/form';
import { confirmEvents, readFullObjects } from '../webhooks/fullObjects';
import {
  buildWebhookDestination, deriveWebhookToken, Environment, webhookBaseUriFromEnv, webhookTokenInputFromEnv, WEBHOOK_ENV,
} from '../webhooks/secret';
import { subscribe, unsubscribe } from '../webhooks/subscription';

/** The step's configuration: credential fields plus the trigger's fields. */
export interface ReceiveWebhookEventsConfig extends CredentialConfig {
  /** Kommo's subscription codes (`add_lead`, …): the multi-select's list. */
  events?: unknown;
  /** Read the delivered objects again from Kommo and emit only confirmed ones. */
  fetchFullObjects?: unknown;
}

/** What `startup` returns; the platform keeps it and hands it to `shutdown`. */
export interface StartupData {
  /** The subscribed destination (the flow's webhook URL plus the token). */
  destination: string;
}

/** Where the trigger reads the platform's environment and the time; tests inject both. */
export interface WebhookTriggerDeps {
  /** The platform's environment (flow and step ids, the message password, the webhook URL). */
  readonly env?: Environment;
  /** Now in ms since the epoch, for the replay guard. */
  readonly nowMs?: () => number;
}

/** The top-level delivery keys of tasks: their dates arrive as wall-clock text in the account's zone. */
const TASK_KEYS = ['task', 'tasks'];

/** The account's time zone, read only when the delivery has tasks (a request on a cold cache). */
async function timeZoneFor(tree: FormTree, model: ReturnType<typeof accountModelFor>): Promise<string> {
  if (!TASK_KEYS.some((key) => tree.has(key))) return 'UTC';
  const { timeZone } = await model.account();
  if (timeZone === undefined) {
    throw new KommoError('Kommo gave no time zone for the account (GET account?with=datetime_settings), so the task dates of the delivery cannot be read.');
  }
  return timeZone;
}

/** The destination of this flow step, from the platform's environment (no request). */
function flowDestination(env: Environment): { baseUri: string; destination: string } {
  const baseUri = webhookBaseUriFromEnv(env);
  return { baseUri, destination: buildWebhookDestination(baseUri, deriveWebhookToken(webhookTokenInputFromEnv(env))) };
}

/** Builds the trigger's three functions over the given environment and clock. */
export function createReceiveWebhookEvents(deps: WebhookTriggerDeps = {}) {
  const env = (): Environment => deps.env ?? process.env;
  const nowMs = deps.nowMs ?? Date.now;

  const startup = service<ReceiveWebhookEventsConfig, [], StartupData>({
    async run({ cfg, logger, client }) {
      // Everything that can be wrong in the configuration is found before the first request.
      const settings = readWebhookEvents(cfg.events);
      const { baseUri, destination } = flowDestination(env());
      await subscribe(await client(), { destination, baseUri, settings }, logger);
      return { destination };
    },
  });

  const shutdown = service<ReceiveWebhookEventsConfig, [data?: unknown], void>({
    async run({ logger, client }, data) {
      const saved = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).destination : undefined;
      const destination = typeof saved === 'string' && saved !== '' ? saved : undefined;
      let baseUri: string | undefined;
      try {
        baseUri = webhookBaseUriFromEnv(env());
      } catch {
        baseUri = undefined;
      }
      if (destination === undefined && baseUri === undefined) {
        logger.warn(`No startup data and no ${WEBHOOK_ENV.baseUri}: this flow's Kommo webhook cannot be told apart from others, so none was deleted. `
          + 'Delete it in Kommo under Settings → Integrations → Web hooks.');
        return;
      }
      await unsubscribe(await client(), { destination, baseUri }, logger);
    },
  });

  const processTrigger = step<ReceiveWebhookEventsConfig, never>({
    async run(_body, { cfg, message, logger, client, emitData }) {
      const admission = admitDelivery(message as WebhookRequest, {
        expectedToken: deriveWebhookToken(webhookTokenInputFromEnv(env())),
        nowMs: nowMs(),
        replayGuard: processScope.webhookReplayGuard(),
      });
      if (!admission.admitted) {
        logger.warn(`Kommo webhook delivery dropped: ${admission.reason}`);
        return;
      }
      const delivery = admission.requestId === undefined ? 'Kommo webhook delivery' : `Kommo webhook delivery ${admission.requestId}`;
      for (const line of admission.ignored) logger.info(`${delivery}: ${line}`);
      const events = new Set(readWebhookEvents(cfg.events));

      const kommo = await client();
      const model = accountModelFor(kommo);
      const converted = convertDelivery(admission.tree, { timeZone: await timeZoneFor(admission.tree, model), events });
      if (!converted.ok) {
        logger.warn(`${delivery} dropped: ${converted.reason}`);
        return;
      }
      for (const line of converted.skipped) logger.info(`${delivery}: ${line}`);

      let emitted: WebhookEvent[] = converted.events;
      if (readCheckbox(cfg.fetchFullObjects)) {
        const confirmed = confirmEvents(emitted, await readFullObjects(kommo, emitted));
        if (confirmed.unconfirmed.length > 0) {
          logger.info(`${delivery}: Kommo did not return ${confirmed.unconfirmed.join(', ')} (deleted since, or not visible to the credential's user); not emitted`);
        }
        emitted = confirmed.events;
      }
      for (const event of await decorateEvents(emitted, model)) await emitData(event);
      logger.info(`${delivery}: ${emitted.length} message${emitted.length === 1 ? '' : 's'} emitted`);
    },
  });

  return { process: processTrigger, startup, shutdown };
}

const trigger = createReceiveWebhookEvents();

/** Sailor's `process` (exported under that name below, never declared as a function named `process`). */
export const processTrigger = trigger.process;
/** Subscribes the flow's destination in Kommo when the flow starts. */
export const startup = trigger.startup;
/** Deletes the flow's subscription when the flow stops. */
export const shutdown = trigger.shutdown;

export { processTrigger as process };
