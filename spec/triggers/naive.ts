/**
 * The naive polling trigger most connectors ship, against a real Kommo list: remember the largest
 * timestamp seen, next time ask `timestamp > last` (`filter[field][from] = last + 1`), walk offset
 * pages 1, 2, … until a short page, read up to "now". The baseline the polling specs and the bench
 * compare the component's trigger with (lib/polling/cursor.ts explains what it gets wrong).
 */
import type { KommoApi } from '../../lib/client/KommoClient';

/** One naive poll over leads (at most `maxPages` pages: 1 for "single page per interval"); returns the new snapshot. */
export async function naivePoll(
  client: Pick<KommoApi, 'get'>,
  field: 'updated_at' | 'created_at',
  pageSize: number,
  snapshot: { last?: number },
  emit: (records: Array<Record<string, unknown>>) => void,
  maxPages = Infinity,
): Promise<{ last: number; requests: number }> {
  let last = snapshot.last ?? -1;
  const from = last + 1;
  let requests = 0;
  for (let page = 1; ; page += 1) {
    const response = await client.get('leads', { filter: { [field]: { from } }, order: { [field]: 'asc' }, page, limit: pageSize });
    requests += 1;
    const records = response.status === 204 ? [] : (response.body as { _embedded: { leads: Array<Record<string, unknown>> } })._embedded.leads;
    if (records.length > 0) emit(records);
    for (const record of records) last = Math.max(last, record[field] as number);
    if (records.length < pageSize || page >= maxPages) break;
  }
  return { last, requests };
}
