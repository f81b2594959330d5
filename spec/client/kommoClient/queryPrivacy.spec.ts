/**
 * KommoClient and personal data in query strings: a search such as `leads?query=+15551234567`
 * carries a phone number, so neither an error (message, properties, stack) nor a log line may
 * show the query — not even when Kommo's answer quotes it back. Each row first proves the phone
 * was sent (or was in the refused input).
 */
import type nock from 'nock';
import { KommoConfigError, KommoError, KommoHttpError, KommoNetworkError, KommoNotFoundError, KommoRateLimitError } from '../../../lib/client/errors';
import type { KommoApi } from '../../../lib/client/KommoClient';
import { allStrings, rejection } from '../../helpers';
import { useNockIsolation } from '../../nockIsolation';
import { ENV, faultyTransport, harness, kommo, LEADS, oauthCfg } from './harness';

useNockIsolation();

const PHONE = '15551234567';
const RAW_SEARCH = `query=%2B${PHONE}`;

interface Row {
  name: string;
  script: () => nock.Scope | undefined;
  /** Network failures of the first attempts (see faultyTransport). */
  faults?: string[];
  call: (client: KommoApi) => Promise<unknown>;
  type: abstract new (...args: never[]) => KommoError;
}

const rows: Row[] = [
  {
    name: 'Make Raw Request style: 400 whose detail quotes the search',
    script: () => kommo().get(LEADS).query(true)
      .reply(400, { title: 'Bad Request', status: 400, detail: `Search "+${PHONE}" is not supported` }, { 'content-type': 'application/problem+json' }),
    call: (client) => client.request({ method: 'GET', url: `leads?${RAW_SEARCH}` }),
    type: KommoHttpError,
  },
  {
    name: 'entity helper: 404 whose body links back to the request with its query',
    script: () => kommo().get(LEADS).query(true)
      .reply(404, { title: 'Not Found', status: 404, _links: { self: { href: `https://acme.kommo.com/api/v4/leads?query=%2B${PHONE}&with=contacts` } } }, { 'content-type': 'application/problem+json' }),
    call: (client) => client.get('leads', { query: `+${PHONE}`, with: ['contacts'] }),
    type: KommoNotFoundError,
  },
  {
    name: 'HTML 500 page echoing the URL, retried once then final',
    script: () => kommo().get(LEADS).query(true).times(2).reply(500, `<html><body>Error at /api/v4/leads?query=+${PHONE}</body></html>`, { 'content-type': 'text/html' }),
    call: (client) => client.get('leads', { query: `+${PHONE}` }),
    type: KommoHttpError,
  },
  {
    name: '429 beyond the cap',
    script: () => kommo().get(LEADS).query(true).reply(429, '', { 'retry-after': '300' }),
    call: (client) => client.get('leads', { query: `+${PHONE}` }),
    type: KommoRateLimitError,
  },
  {
    name: 'connection reset',
    script: () => undefined,
    faults: ['ECONNRESET', 'ECONNRESET'],
    call: (client) => client.get('leads', { query: `+${PHONE}` }),
    type: KommoNetworkError,
  },
  {
    name: 'a raw url refused for its path: the message quotes the path, not the query',
    script: () => undefined,
    call: (client) => client.request({ method: 'GET', url: `leads/../x?${RAW_SEARCH}` }),
    type: KommoConfigError,
  },
];

describe('the query string stays out of errors and logs', () => {
  it.each(rows.map((row) => [row.name, row] as const))('%s', async (_name, { script, faults, call, type }) => {
    script();
    const { transport, sent } = faultyTransport(faults);
    const h = harness(ENV, { transport });
    const client = await h.client(oauthCfg(1));

    const error = await rejection(call(client));

    expect(error).toBeInstanceOf(type);
    if (type === KommoConfigError) expect((error as Error).message).toMatch(/Got "leads\/\.\.\/x\?…"/);
    else expect(sent.length).toBeGreaterThan(0);
    for (const request of sent) expect(decodeURIComponent(request.url.search)).toContain(PHONE);
    const exposed = [...allStrings(error), String(error), (error as Error).stack ?? '', ...h.lines()];
    expect(exposed.filter((text) => text.includes(PHONE))).toEqual([]);
    if (error instanceof KommoHttpError || error instanceof KommoNetworkError) expect(error.path).toBe(LEADS);
  });
});
