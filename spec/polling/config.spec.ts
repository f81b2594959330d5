/**
 * The poll's configuration, validated before any request.
 */
import { KommoConfigError } from '../../lib/client/errors';
import { buildPollConfig, DEFAULT_SAFETY_LAG_SECONDS, type PollConfigInput } from '../../lib/polling/config';

describe('buildPollConfig', () => {
  it('entities: updated_at, 250 per page, id order for ties, 1970 to now by default', () => {
    expect(buildPollConfig({ kind: 'entities', scope: 'leads' })).toEqual({
      field: 'updated_at', tieBreak: 'idOrder', rangeOrder: 'field', pageSize: 250, maxPageSize: 250, startSeconds: 0,
      safetyLagSeconds: DEFAULT_SAFETY_LAG_SECONDS, scope: 'entities:updated_at:leads',
    });
  });

  it('events: created_at, 100 per page, recount for ties, extra filters kept', () => {
    expect(buildPollConfig({ kind: 'events', scope: 'lead_added', startTime: '2026-03-01', filter: { type: ['lead_added'] } })).toEqual({
      field: 'created_at', tieBreak: 'recount', rangeOrder: 'field', pageSize: 100, maxPageSize: 100, startSeconds: 1772323200,
      safetyLagSeconds: DEFAULT_SAFETY_LAG_SECONDS, scope: 'events:created_at:lead_added', filter: { type: ['lead_added'] },
    });
  });

  it('a collection Kommo sorts by id only (tasks) is read in id order; events cannot be', () => {
    expect(buildPollConfig({ kind: 'entities', scope: 'tasks', rangeOrder: 'id' }).rangeOrder).toBe('id');
    expect(() => buildPollConfig({ kind: 'events', scope: 'e', rangeOrder: 'id' })).toThrow('events cannot be read in id order');
  });

  it.each`
    input                                          | pageSize
    ${{ pageSize: 1 }}                             | ${1}
    ${{ pageSize: '50' }}                          | ${50}
    ${{ pageSize: '' }}                            | ${250}
    ${{ pageSize: null }}                          | ${250}
    ${{ timestampField: 'created_at', pageSize: 250 }} | ${250}
  `('pageSize $input.pageSize → $pageSize', ({ input, pageSize }) => {
    expect(buildPollConfig({ kind: 'entities', scope: 'leads', ...input }).pageSize).toBe(pageSize);
  });

  it.each<[string, Partial<PollConfigInput>, string]>([
    ['page size 0', { pageSize: 0 }, 'pageSize must be a whole number from 1 to 250, got 0. Leave it empty for 250.'],
    ['page size above Kommo\'s cap', { pageSize: 251 }, 'pageSize must be a whole number from 1 to 250, got 251. Leave it empty for 250.'],
    ['events above 100', { kind: 'events', pageSize: 101 }, 'pageSize must be a whole number from 1 to 100, got 101. Leave it empty for 100.'],
    ['fractional page size', { pageSize: 2.5 }, 'pageSize must be a whole number from 1 to 250, got 2.5. Leave it empty for 250.'],
    ['page size text', { pageSize: 'ten' }, 'pageSize must be a whole number from 1 to 250, got "ten". Leave it empty for 250.'],
    ['unknown timestamp field', { timestampField: 'closed_at' }, 'timestampField must be "updated_at" (new and changed objects) or "created_at" (new objects only), got "closed_at".'],
    ['events by updated_at', { kind: 'events', timestampField: 'updated_at' }, 'Events are polled by created_at only, got timestampField "updated_at".'],
    ['a lag of 1 s (the second the Date header names may still be open)', { safetyLagSeconds: 1 }, 'safetyLagSeconds must be a whole number from 2 to 3600, got 1.'],
    ['the timestamp among the extra filters', { filter: { updated_at: { from: 1 } } }, 'The updated_at filter is set by the poll itself; remove it from the extra filters.'],
    ['a bad startTime', { startTime: 'now' }, 'startTime "now" is not a date.'],
  ])('%s', (_, input, message) => {
    const build = () => buildPollConfig({ kind: 'entities', scope: 'leads', ...input });
    expect(build).toThrow(KommoConfigError);
    expect(build).toThrow(message);
  });
});
