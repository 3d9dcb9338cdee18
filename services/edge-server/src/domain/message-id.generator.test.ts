import { describe, expect, it } from 'vitest';
import { createMessageIdGenerator, isMessageId, messageIdTime } from './message-id.generator.js';

describe('UUIDv7 message ids', () => {
  it('encodes the timestamp, version 7 and the RFC variant', () => {
    const ms = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
    const next = createMessageIdGenerator(() => ms);
    const id = next();
    expect(id).toHaveLength(36);
    expect(isMessageId(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
    expect(messageIdTime(id)).toBe(ms);
  });

  it('is unique across pool refills and sorts by time across milliseconds', () => {
    let ms = 1_700_000_000_000;
    const next = createMessageIdGenerator(() => ms);
    const ids = new Set<string>();
    let previous = '';
    for (let i = 0; i < 5_000; i++) {
      if (i % 100 === 0) ms += 1;
      const id = next();
      if (i % 100 === 0) {
        expect(id > previous).toBe(true);
      }
      previous = id;
      ids.add(id);
    }
    expect(ids.size).toBe(5_000);
  });

  it('rejects other shapes', () => {
    expect(isMessageId('0190a4c1-2b3c-4d5e-8f60-123456789abc')).toBe(false);
    expect(isMessageId('not-an-id')).toBe(false);
  });
});
