import type { ContractInput } from '@smpp-gateway/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CoalescingPublisher } from './coalescing-publisher.js';
import { ContractValidationError, PublishError } from './errors.js';
import type { ContractPublisher } from './publisher.js';

// The batching decisions are pure scheduling; the broker's side of
// publishBatch is covered by publisher.int tests and every service's
// integration suite. Here each publishBatch call is held open until the test
// "confirms" it, so the window can be observed exactly.
type Item = ContractInput<'ControlCommand'>;

interface Call {
  readonly items: readonly Item[];
  confirm(): void;
  fail(err: unknown): void;
}

function fakePublisher(validate: (item: Item) => boolean = () => true) {
  const calls: Call[] = [];
  const publisher: Pick<ContractPublisher, 'publishBatch'> = {
    publishBatch: ((_name: string, items: readonly Item[]) => {
      if (!items.every(validate)) {
        return Promise.reject(new ContractValidationError('ControlCommand', ['bad item']));
      }
      return new Promise((resolve, reject) => {
        calls.push({ items, confirm: () => resolve([]), fail: reject });
      });
    }) as unknown as ContractPublisher['publishBatch'],
  };
  return { publisher, calls };
}

const item = (n: number): Item =>
  ({ messageId: `m${n}`, type: 'reload-routing' }) as unknown as Item;
const turn = () => new Promise((resolve) => setImmediate(resolve));
const ids = (call: Call | undefined) =>
  call?.items.map((i) => (i as unknown as { messageId: string }).messageId);

describe('CoalescingPublisher', () => {
  it('sends what one turn published as one batch', async () => {
    const { publisher, calls } = fakePublisher();
    const coalescing = new CoalescingPublisher(publisher, 'ControlCommand', {
      maxBatch: 10,
      window: 1,
    });
    const done = [1, 2, 3].map((n) => coalescing.publish(item(n)));
    expect(calls).toHaveLength(0);
    await turn();
    expect(calls.map(ids)).toEqual([['m1', 'm2', 'm3']]);
    calls[0]!.confirm();
    await Promise.all(done);
  });

  it('holds later messages while the window is full and sends them together on the next confirm', async () => {
    const { publisher, calls } = fakePublisher();
    const coalescing = new CoalescingPublisher(publisher, 'ControlCommand', {
      maxBatch: 10,
      window: 1,
    });
    const first = coalescing.publish(item(1));
    await turn();
    expect(calls).toHaveLength(1);
    // Three more, one per turn, while the first batch awaits its confirm.
    const later: Promise<void>[] = [];
    for (const n of [2, 3, 4]) {
      later.push(coalescing.publish(item(n)));
      await turn();
    }
    expect(calls).toHaveLength(1);
    expect(coalescing.waiting).toBe(3);
    let laterSettled = false;
    void Promise.all(later).then(() => (laterSettled = true));
    calls[0]!.confirm();
    await first;
    await turn();
    expect(calls.map(ids)).toEqual([['m1'], ['m2', 'm3', 'm4']]);
    // Not resolved before the broker confirmed the batch that carries them.
    expect(laterSettled).toBe(false);
    calls[1]!.confirm();
    await Promise.all(later);
    expect(coalescing.waiting).toBe(0);
  });

  it('never holds a full batch, whatever the window', async () => {
    const { publisher, calls } = fakePublisher();
    const coalescing = new CoalescingPublisher(publisher, 'ControlCommand', {
      maxBatch: 2,
      window: 1,
    });
    const all = [1, 2, 3, 4, 5].map((n) => coalescing.publish(item(n)));
    // Two full batches left synchronously; the fifth waits for the turn and
    // then for a free window slot.
    expect(calls.map(ids)).toEqual([
      ['m1', 'm2'],
      ['m3', 'm4'],
    ]);
    await turn();
    expect(calls).toHaveLength(2);
    // One of the two full batches confirmed: still one in flight, so m5 waits.
    calls[0]!.confirm();
    await turn();
    expect(calls).toHaveLength(2);
    calls[1]!.confirm();
    await turn();
    expect(calls.map(ids)).toEqual([['m1', 'm2'], ['m3', 'm4'], ['m5']]);
    calls[2]!.confirm();
    await Promise.all(all);
  });

  it('keeps keys apart: one key waiting on its window does not hold another', async () => {
    const { publisher, calls } = fakePublisher();
    const coalescing = new CoalescingPublisher(publisher, 'ControlCommand', {
      maxBatch: 10,
      window: 1,
    });
    const a1 = coalescing.publish(item(1), 'a');
    await turn();
    const a2 = coalescing.publish(item(2), 'a');
    const b1 = coalescing.publish(item(3), 'b');
    await turn();
    expect(calls.map(ids)).toEqual([['m1'], ['m3']]);
    calls[1]!.confirm();
    await b1;
    calls[0]!.confirm();
    await a1;
    await turn();
    expect(ids(calls[2])).toEqual(['m2']);
    calls[2]!.confirm();
    await a2;
  });

  it('with window 0 sends every turn without waiting for confirms', async () => {
    const { publisher, calls } = fakePublisher();
    const coalescing = new CoalescingPublisher(publisher, 'ControlCommand', {
      maxBatch: 10,
      window: 0,
    });
    const p1 = coalescing.publish(item(1));
    await turn();
    const p2 = coalescing.publish(item(2));
    await turn();
    expect(calls.map(ids)).toEqual([['m1'], ['m2']]);
    for (const c of calls) c.confirm();
    await Promise.all([p1, p2]);
  });

  it('rejects every caller of a batch the broker refused, and goes on with the next', async () => {
    const { publisher, calls } = fakePublisher();
    const coalescing = new CoalescingPublisher(publisher, 'ControlCommand', {
      maxBatch: 10,
      window: 1,
    });
    const failed = [1, 2].map((n) => coalescing.publish(item(n)));
    await turn();
    const next = coalescing.publish(item(3));
    await turn();
    calls[0]!.fail(new PublishError('nacked', 'broker nacked'));
    for (const p of failed) await expect(p).rejects.toThrow(/nacked/);
    await turn();
    expect(ids(calls[1])).toEqual(['m3']);
    calls[1]!.confirm();
    await next;
  });

  it('publishes a batch with an invalid message one by one, so only that message fails', async () => {
    const { publisher, calls } = fakePublisher(
      (i) => (i as unknown as { messageId: string }).messageId !== 'm2',
    );
    const coalescing = new CoalescingPublisher(publisher, 'ControlCommand', {
      maxBatch: 10,
      window: 1,
    });
    const [p1, p2, p3] = [1, 2, 3].map((n) => coalescing.publish(item(n)));
    const p2Refused = expect(p2).rejects.toBeInstanceOf(ContractValidationError);
    await turn();
    await turn();
    expect(calls.map(ids)).toEqual([['m1'], ['m3']]);
    for (const c of calls) c.confirm();
    await p1;
    await p3;
    await p2Refused;
  });

  it('refuses nonsense settings', () => {
    const { publisher } = fakePublisher();
    expect(
      () => new CoalescingPublisher(publisher, 'ControlCommand', { maxBatch: 0, window: 1 }),
    ).toThrow(/maxBatch/);
    expect(
      () => new CoalescingPublisher(publisher, 'ControlCommand', { maxBatch: 5, window: -1 }),
    ).toThrow(/window/);
    expect(
      () =>
        new CoalescingPublisher(publisher, 'ControlCommand', {
          maxBatch: 5,
          window: 1,
          lingerMs: -1,
        }),
    ).toThrow(/lingerMs/);
  });
});

// Lingering is about time: the clock (setTimeout and performance.now) is
// faked, the event-loop turns (setImmediate) are real.
describe('CoalescingPublisher with lingerMs', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const lingering = (maxBatch = 100, window = 1) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { publisher, calls } = fakePublisher();
    const coalescing = new CoalescingPublisher(publisher, 'ControlCommand', {
      maxBatch,
      window,
      lingerMs: 20,
      lingerGapMs: 2,
    });
    return { coalescing, calls };
  };

  it('sends at once when the key was quiet, and lingers only while messages keep coming', async () => {
    const { coalescing, calls } = lingering();
    const first = coalescing.publish(item(1));
    await turn();
    // Nothing sent for this key within lingerMs: no reason to wait.
    expect(calls.map(ids)).toEqual([['m1']]);
    calls[0]!.confirm();
    await first;
    // Right behind it: waits for the gap, not the whole linger.
    vi.advanceTimersByTime(3);
    const second = coalescing.publish(item(2));
    await turn();
    vi.advanceTimersByTime(1);
    expect(calls).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(calls.map(ids)).toEqual([['m1'], ['m2']]);
    calls[1]!.confirm();
    await second;
  });

  it('turns a steady stream into batches lingerMs apart', async () => {
    const { coalescing, calls } = lingering();
    const done: Promise<void>[] = [];
    // One message per millisecond: the gap never opens.
    for (let n = 0; n < 45; n += 1) {
      done.push(coalescing.publish(item(n)));
      await turn();
      // Confirms come back quickly; the window is never what holds them.
      for (const c of calls) c.confirm();
      vi.advanceTimersByTime(1);
    }
    await turn();
    // The first leaves at once (quiet key), then one batch per 20 ms (the
    // batch due at 20 ms leaves before that millisecond's message arrives).
    expect(calls.map((c) => c.items.length).slice(0, 3)).toEqual([1, 19, 20]);
    vi.advanceTimersByTime(20);
    expect(calls.flatMap((c) => c.items)).toHaveLength(45);
    for (const c of calls) c.confirm();
    await Promise.all(done);
  });

  it('never holds a full batch', async () => {
    const { coalescing, calls } = lingering(3);
    const done = [1, 2, 3].map((n) => coalescing.publish(item(n)));
    expect(calls.map(ids)).toEqual([['m1', 'm2', 'm3']]);
    calls[0]!.confirm();
    await Promise.all(done);
  });

  it('keeps to the window: a due batch waits for the confirm of the one in flight', async () => {
    const { coalescing, calls } = lingering();
    const first = coalescing.publish(item(1));
    await turn();
    expect(calls).toHaveLength(1);
    const second = coalescing.publish(item(2));
    await turn();
    vi.advanceTimersByTime(40);
    expect(calls).toHaveLength(1);
    calls[0]!.confirm();
    await first;
    await turn();
    // Waited longer than lingerMs already: leaves with the confirm, no new wait.
    expect(calls.map(ids)).toEqual([['m1'], ['m2']]);
    calls[1]!.confirm();
    await second;
  });
});
