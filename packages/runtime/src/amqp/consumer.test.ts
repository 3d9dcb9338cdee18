import { describe, expect, it } from 'vitest';
import { deliveryAttempt } from './consumer.js';
import { HEADERS } from './wire.js';

describe('deliveryAttempt', () => {
  it('is 1 for a first delivery', () => {
    expect(deliveryAttempt({}, false)).toBe(1);
  });

  it("counts the quorum queue's earlier returns", () => {
    expect(deliveryAttempt({ [HEADERS.deliveryCount]: 4 }, true)).toBe(5);
  });

  it('goes on from the attempt a republished batch remainder carries', () => {
    // The remainder is a new message: the broker's count starts again.
    expect(deliveryAttempt({ [HEADERS.retries]: 3 }, false)).toBe(4);
    expect(deliveryAttempt({ [HEADERS.retries]: 3, [HEADERS.deliveryCount]: 1 }, true)).toBe(4);
    expect(deliveryAttempt({ [HEADERS.retries]: 3, [HEADERS.deliveryCount]: 6 }, true)).toBe(7);
  });

  it('falls back to the redelivered flag where nothing counts (classic queues)', () => {
    expect(deliveryAttempt({}, true)).toBe(2);
  });

  it('ignores counts that are not positive numbers', () => {
    expect(deliveryAttempt({ [HEADERS.deliveryCount]: '7', [HEADERS.retries]: -2 }, false)).toBe(1);
    expect(deliveryAttempt({ [HEADERS.deliveryCount]: Number.NaN }, false)).toBe(1);
  });
});
