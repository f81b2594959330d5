/**
 * Which failed writes may have been applied by Kommo (the retry policy's "unsafe to replay"): the
 * failures after which a step asks Kommo instead of sending again. A table.
 */
import { httpError, isAmbiguousWriteFailure, KommoConfigError, networkError, notFoundError } from '../../lib/client/errors';

const identity = { method: 'POST', path: '/api/v4/contacts', attempts: 1 };
const status = (code: number) => httpError({ ...identity, status: code, headers: {}, body: undefined });
const network = (code: string) => networkError(identity, 'https://acme.kommo.com', code, 15000);

const table: Array<[string, unknown, boolean]> = [
  ['500', status(500), true],
  ['502', status(502), true],
  ['504', status(504), true],
  ['a reset', network('ECONNRESET'), true],
  ['a timeout', network('ETIMEDOUT'), true],
  ['an aborted request (timeout)', network('ECONNABORTED'), true],
  ['503 (refused)', status(503), false],
  ['429', status(429), false],
  ['400', status(400), false],
  ['401', status(401), false],
  ['404', status(404), false],
  ['a 204 read as none', notFoundError(identity), false],
  ['a refused connection (never sent)', network('ECONNREFUSED'), false],
  ['an unknown host (never sent)', network('ENOTFOUND'), false],
  ['bad input', new KommoConfigError('x'), false],
  ['a plain error', new Error('x'), false],
];

it.each(table)('%s → may have been applied: %s', (_, error, expected) => {
  expect(isAmbiguousWriteFailure(error)).toBe(expected);
});
