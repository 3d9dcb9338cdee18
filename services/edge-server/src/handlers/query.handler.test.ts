import { SmppStatus } from '@smpp-gateway/contracts';
import type { MessageStateRecord } from '@smpp-gateway/message-state';
import { describe, expect, it } from 'vitest';
import { formatSmppAbsoluteTime } from '@smpp-gateway/smpp';
import { handleQuery } from './query.handler.js';

const id = '0190a4c1-2b3c-7d5e-8f60-123456789abc';
const record = (overrides: Partial<MessageStateRecord>): MessageStateRecord => ({
  messageId: id,
  status: 'accepted',
  updatedAt: '2025-01-02T03:04:05.000Z',
  customerId: 'c1',
  ...overrides,
});

describe('handleQuery', () => {
  it('reports in-flight messages as ENROUTE without a final date', async () => {
    const answer = await handleQuery(id, 'c1', {
      lookup: () => Promise.resolve(record({ status: 'submitted' })),
    });
    expect(answer).toEqual({
      commandStatus: 0,
      messageId: id,
      finalDate: '',
      messageState: 1,
      errorCode: 0,
    });
  });

  it('reports final states with the done date and error', async () => {
    const answer = await handleQuery(id, 'c1', {
      lookup: () =>
        Promise.resolve(
          record({ status: 'UNDELIV', doneAt: '2025-01-02T03:04:05.600Z', err: '034' }),
        ),
    });
    expect(answer).toMatchObject({
      commandStatus: 0,
      messageState: 5,
      finalDate: '250102030405600+',
      errorCode: 34,
    });
  });

  it('reports our expired-validity failure as EXPIRED, our other failures as UNDELIVERABLE', async () => {
    const failed = (failureReason: string) =>
      handleQuery(id, 'c1', {
        lookup: () =>
          Promise.resolve(
            record({ status: 'failed', failureReason, doneAt: '2025-01-02T03:04:05Z' }),
          ),
      });
    expect((await failed('expired')).messageState).toBe(3);
    expect((await failed('no_route')).messageState).toBe(5);
  });

  it('hides other customers’ messages and unknown ids behind the same answer', async () => {
    const other = await handleQuery(id, 'c2', { lookup: () => Promise.resolve(record({})) });
    const unknown = await handleQuery(id, 'c1', { lookup: () => Promise.resolve(undefined) });
    expect(other.commandStatus).toBe(SmppStatus.ESME_RQUERYFAIL);
    expect(unknown).toEqual(other);
  });

  it('rejects ids we never hand out', async () => {
    const answer = await handleQuery('12345', 'c1', {
      lookup: () => Promise.reject(new Error('not called')),
    });
    expect(answer.commandStatus).toBe(SmppStatus.ESME_RINVMSGID);
  });

  it('formats SMPP absolute time in UTC', () => {
    expect(formatSmppAbsoluteTime(new Date('2031-12-31T23:59:58.123Z'))).toBe('311231235958100+');
  });
});
