/**
 * Writes many objects of one type in chunks (`POST /{type}` for creates, `PATCH /{type}` for
 * updates, each at most 250 items, docs/kommo-api.md §0, §6) and reports every item's outcome
 * as data (docs/design.md "Actions (2.0)", createOrUpdateObjects):
 *
 * - each item carries its own `request_id` (`item-<index>`), and answers are mapped back by it;
 * - a 400 naming items (either shape, docs/kommo-fidelity.md #10, #11) fails those items with
 *   Kommo's reason and resubmits the rest of the chunk once (Kommo applies nothing of a refused
 *   request, as far as its docs and the sandbox show);
 * - a chunk that fails ambiguously (500, 502, 504, reset, timeout) may have been applied: its
 *   items are `unknown` and never sent again;
 * - any other failure (401, 403, 429 after the retries, …) concerns the account, not the items:
 *   the chunk's items fail with it, and later chunks are not sent (they fail as "not sent").
 */
import { isAmbiguousWriteFailure, KommoError, KommoHttpError, KommoValidationError, type ItemRejection } from '../client/errors';
import type { KommoApi } from '../client/KommoClient';
import { isRecord } from './reader';
import type { ObjectTypeDefinition } from './registry';
import type { WriteMode } from './objectWrite';

/** Kommo's largest batch (docs/kommo-api.md §0). */
export const MAX_BATCH_SIZE = 250;
/** The recommended batch size, and the default chunk (docs/kommo-api.md §0). */
export const DEFAULT_BATCH_SIZE = 50;

/** An item ready to send: its place in the message, and its write body (with `id` for updates). */
export interface BatchItem {
  index: number;
  mode: WriteMode;
  body: Record<string, unknown>;
}

/** What became of one item. */
export interface BatchResult {
  /** The item's place in the message's `objects`, from 0. */
  index: number;
  /** The object's id, when known. */
  id?: number;
  action: 'created' | 'updated' | 'failed' | 'unknown';
  /** Why it failed, or why its outcome is unknown. */
  error?: string;
}

/** The results of a batch, in item order, and whether Kommo refused a custom-field value (stale definitions?). */
export interface BatchOutcome {
  results: BatchResult[];
  customFieldRejected: boolean;
}

const REQUEST_ID_PREFIX = 'item-';

function requestIdOf(item: BatchItem): string {
  return `${REQUEST_ID_PREFIX}${item.index}`;
}

/** Kommo's words for one rejection: `price InvalidType (This value should be of type numeric.)`. */
function describeRejection(rejection: ItemRejection): string {
  if (rejection.path === undefined && rejection.code === undefined) return rejection.detail;
  const head = `${rejection.path ?? ''} ${rejection.code ?? ''}`.trim();
  return rejection.detail ? `${head} (${rejection.detail})` : head;
}

/**
 * The item a rejection names: by our `request_id`; a bare number as the item's place in the
 * request (Kommo's default request ids); an `errors`-map key as the id of an updated item.
 */
function rejectedItem(rejection: ItemRejection, sent: readonly BatchItem[]): BatchItem | undefined {
  const key = rejection.requestId ?? rejection.entityId;
  if (key === undefined) return undefined;
  const byRequestId = sent.find((item) => requestIdOf(item) === key);
  if (byRequestId) return byRequestId;
  if (rejection.entityId !== undefined) {
    const byId = sent.find((item) => item.mode === 'update' && String(item.body.id) === key);
    if (byId) return byId;
  }
  return /^\d+$/.test(key) && rejection.requestId !== undefined ? sent[Number(key)] : undefined;
}

/** Chunks of at most `size`, creates and updates apart (they go to different requests), in item order. */
function chunksOf(items: readonly BatchItem[], size: number): BatchItem[][] {
  const chunks: BatchItem[][] = [];
  for (const mode of ['create', 'update'] as const) {
    const ofMode = items.filter((item) => item.mode === mode);
    for (let start = 0; start < ofMode.length; start += size) chunks.push(ofMode.slice(start, start + size));
  }
  return chunks;
}

/** Writes the items in chunks of `chunkSize` and reports each item's outcome. */
export async function writeBatch(
  api: Pick<KommoApi, 'post' | 'patch'>,
  type: ObjectTypeDefinition,
  items: readonly BatchItem[],
  chunkSize: number,
): Promise<BatchOutcome> {
  const results = new Map<number, BatchResult>();
  let customFieldRejected = false;
  let stoppedBy: string | undefined;
  const settle = (item: BatchItem, result: Omit<BatchResult, 'index'>): void => {
    results.set(item.index, { index: item.index, ...result });
  };

  const mapAnswer = (sent: readonly BatchItem[], body: unknown): void => {
    const listed = isRecord(body) && isRecord(body._embedded) ? body._embedded[type.embeddedKey] : undefined;
    const entries = Array.isArray(listed) ? listed.filter(isRecord) : [];
    sent.forEach((item, position) => {
      const entry = entries.find((candidate) => String(candidate.request_id) === requestIdOf(item))
        ?? (entries.length === sent.length ? entries[position] : undefined);
      const id = entry !== undefined ? Number(entry.id) : Number.NaN;
      if (!Number.isSafeInteger(id) || id <= 0) {
        settle(item, { action: 'unknown', error: 'Kommo accepted the request but its answer did not list this item; check Kommo before sending it again.' });
        return;
      }
      settle(item, { id, action: item.mode === 'create' ? 'created' : 'updated' });
    });
  };

  const send = async (sent: readonly BatchItem[], resubmitsLeft: number): Promise<void> => {
    const bodies = sent.map((item) => ({ ...item.body, request_id: requestIdOf(item) }));
    try {
      const mode = sent[0].mode;
      const response = mode === 'create' ? await api.post(type.path, bodies) : await api.patch(type.path, bodies);
      mapAnswer(sent, response.body);
    } catch (error) {
      if (error instanceof KommoValidationError) {
        const reasons = new Map<BatchItem, string[]>();
        for (const rejection of error.rejections) {
          const item = rejectedItem(rejection, sent);
          if (!item) continue;
          reasons.set(item, [...(reasons.get(item) ?? []), describeRejection(rejection)]);
          if (rejection.path?.startsWith('custom_fields_values') && rejection.code === 'NotSupportedChoice') customFieldRejected = true;
        }
        if (reasons.size > 0) {
          for (const [item, itemReasons] of reasons) settle(item, { action: 'failed', error: `Kommo refused it: ${itemReasons.join('; ')}` });
          const rest = sent.filter((item) => !reasons.has(item));
          if (rest.length === 0) return;
          if (resubmitsLeft > 0) return send(rest, resubmitsLeft - 1);
          for (const item of rest) settle(item, { action: 'failed', error: `Not sent again: Kommo refused its chunk a second time (${error.message})` });
          return;
        }
      }
      if (!(error instanceof KommoError)) throw error;
      if (isAmbiguousWriteFailure(error)) {
        for (const item of sent) {
          settle(item, { action: 'unknown', error: `Kommo may have applied its chunk but did not confirm it (${error.message}); it was not sent again.` });
        }
        return;
      }
      for (const item of sent) settle(item, { action: 'failed', error: error.message });
      // A 400 is about what was sent; anything else (auth, rights, rate) would fail the next chunks too.
      if (!(error instanceof KommoHttpError && error.status === 400)) stoppedBy = error.message;
    }
  };

  for (const chunk of chunksOf(items, chunkSize)) {
    if (stoppedBy !== undefined) {
      for (const item of chunk) settle(item, { action: 'failed', error: `Not sent: an earlier chunk failed (${stoppedBy})` });
      continue;
    }
    await send(chunk, 1);
  }
  return { results: [...results.values()].sort((a, b) => a.index - b.index), customFieldRejected };
}
