import { describe, expect, it, vi } from 'vitest';
import { SmppStatus } from '@smpp-gateway/contracts';
import type { PduInit } from '@smpp-gateway/smpp';
import {
  NoBindError,
  NotSentError,
  SubmitDispatcher,
  type DispatcherObserver,
  type Pacer,
  type SubmitBind,
  type SubmitSmResp,
} from './submit.dispatcher.js';

/** A bind whose responses the test decides, one PDU at a time. */
class FakeBind implements SubmitBind {
  readonly sent: { pdu: PduInit<'submit_sm'>; answer: (status: number, id?: string) => void }[] =
    [];
  usable = true;
  constructor(
    readonly key: string,
    readonly windowSize: number,
  ) {}
  submit(pdu: PduInit<'submit_sm'>): Promise<SubmitSmResp> {
    return new Promise((resolve) => {
      this.sent.push({
        pdu,
        answer: (commandStatus, messageId = 'id') =>
          resolve({
            command: 'submit_sm_resp',
            commandStatus,
            sequenceNumber: 1,
            tlvs: {},
            messageId,
          }),
      });
    });
  }
}

const unlimited: Pacer = {
  tryTake: () => true,
  replenish: () => Promise.resolve(),
  idle: () => undefined,
};
const pdu = (text: string, priorityFlag = 0): PduInit<'submit_sm'> => ({
  command: 'submit_sm',
  priorityFlag,
  shortMessage: Buffer.from(text),
});
const textOf = (p: PduInit<'submit_sm'>) => (p.shortMessage as Buffer).toString();
const tick = () => new Promise((r) => setTimeout(r, 0));

function dispatcher(
  binds: FakeBind[],
  extra: {
    bindWaitMs?: number;
    pacer?: Pacer;
    now?: () => number;
    observer?: DispatcherObserver;
  } = {},
) {
  return new SubmitDispatcher({
    pacer: extra.pacer ?? unlimited,
    binds: () => binds,
    bindWaitMs: extra.bindWaitMs ?? 1_000,
    // Long enough that a slow event-loop turn on a loaded machine cannot end
    // a pause between a throttle and the check that the bind is paused.
    throttlePauseMs: 250,
    throttlePauseMaxMs: 1_000,
    ...(extra.now ? { now: extra.now } : {}),
    ...(extra.observer ? { observer: extra.observer } : {}),
  });
}

describe('SubmitDispatcher', () => {
  it('respects each bind window and spreads load across binds', async () => {
    const a = new FakeBind('a', 2);
    const b = new FakeBind('b', 2);
    const d = dispatcher([a, b]);
    const results = ['1', '2', '3', '4', '5'].map((t) => d.submit(pdu(t), 1));
    await tick();
    expect(a.sent).toHaveLength(2);
    expect(b.sent).toHaveLength(2);
    expect(d.queued).toBe(1);
    a.sent[0]!.answer(0, 'x1');
    await tick();
    expect(a.sent).toHaveLength(3);
    expect(textOf(a.sent[2]!.pdu)).toBe('5');
    expect((await results[0]!).messageId).toBe('x1');
  });

  it('resends a throttled PDU before later ones, after pausing that bind', async () => {
    const a = new FakeBind('a', 1);
    const d = dispatcher([a]);
    const first = d.submit(pdu('first'), 1);
    void d.submit(pdu('second'), 1);
    await tick();
    a.sent[0]!.answer(SmppStatus.ESME_RTHROTTLED);
    await tick();
    expect(a.sent).toHaveLength(1); // paused: nothing sent yet
    await vi.waitFor(() => expect(a.sent).toHaveLength(2), { timeout: 5_000 });
    expect(a.sent.map((s) => textOf(s.pdu))).toEqual(['first', 'first']);
    a.sent[1]!.answer(0, 'ok');
    expect((await first).commandStatus).toBe(0);
    await tick();
    expect(textOf(a.sent[2]!.pdu)).toBe('second');
  });

  it('uses another bind while one is paused by throttling', async () => {
    const a = new FakeBind('a', 1);
    const b = new FakeBind('b', 1);
    const d = dispatcher([a, b]);
    void d.submit(pdu('1'), 1);
    void d.submit(pdu('2'), 1);
    await tick();
    a.sent[0]!.answer(SmppStatus.ESME_RMSGQFUL);
    await tick();
    expect(a.sent).toHaveLength(1);
    b.sent[0]!.answer(0);
    await tick();
    expect(textOf(b.sent[1]!.pdu)).toBe('1');
  });

  it('fails queued submits with NoBindError only when no bind is usable for bindWaitMs', async () => {
    const a = new FakeBind('a', 1);
    a.usable = false;
    const d = dispatcher([a], { bindWaitMs: 30 });
    await expect(d.submit(pdu('x'), 1)).rejects.toBeInstanceOf(NoBindError);
  });

  it('opens the breaker bindWaitMs after the last bind went, with nothing queued', () => {
    vi.useFakeTimers();
    try {
      const a = new FakeBind('a', 5);
      let clock = 0;
      const outages: [boolean, number][] = [];
      const observer = { outage: (down: boolean, ms: number) => outages.push([down, ms]) };
      const d = dispatcher([a], { bindWaitMs: 1_000, now: () => clock, observer });
      // The pool wakes the dispatcher when its bind goes away.
      a.usable = false;
      d.wake();
      clock = 999;
      vi.advanceTimersByTime(999);
      expect(outages).toEqual([]);
      clock = 1_000;
      vi.advanceTimersByTime(1);
      expect(outages).toEqual([[true, 1_000]]);
      expect(d.isDown).toBe(true);

      // A pod that holds no bind lease has no binds to judge: no breaker.
      const unleased: [boolean, number][] = [];
      const other = dispatcher([], {
        bindWaitMs: 1_000,
        now: () => clock,
        observer: { outage: (down, ms) => unleased.push([down, ms]) },
      });
      other.wake();
      clock = 10_000;
      vi.advanceTimersByTime(9_000);
      expect(unleased).toEqual([]);
      expect(other.isDown).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('counts the outage from the first look at the binds, also while the pacer refills', async () => {
    const a = new FakeBind('a', 5);
    a.usable = false;
    let clock = 0;
    let tokens = 0;
    let refill: (() => void) | undefined;
    const pacer: Pacer = {
      tryTake: () => tokens-- > 0,
      replenish: () =>
        new Promise<void>((resolve) => {
          refill = resolve;
        }),
      idle: () => undefined,
    };
    const outages: [boolean, number][] = [];
    const d = dispatcher([a], {
      bindWaitMs: 1_000,
      pacer,
      now: () => clock,
      observer: { outage: (down, unboundMs) => outages.push([down, unboundMs]) },
    });
    const first = d.submit(pdu('first'), 1);
    // The tokens come 300 ms later; the binds were already gone at the submit.
    clock = 300;
    tokens = 1;
    refill?.();
    await tick();
    clock = 1_000;
    d.wake();
    await expect(first).rejects.toThrow(/no bind to the vendor for 1000 ms/);
    expect(outages).toEqual([[true, 1_000]]);
  });

  it('fails submits at once while the vendor has had no bind for bindWaitMs, and waits again once one came back', async () => {
    const a = new FakeBind('a', 5);
    a.usable = false;
    let clock = 0;
    const outages: [boolean, number][] = [];
    const d = dispatcher([a], {
      bindWaitMs: 1_000,
      now: () => clock,
      observer: { outage: (down, unboundMs) => outages.push([down, unboundMs]) },
    });
    // The first submit after the binds went away waits for one.
    let firstFailed = false;
    const first = d.submit(pdu('first'), 1);
    first.catch(() => (firstFailed = true));
    clock = 400;
    let secondFailed = false;
    const second = d.submit(pdu('second'), 1);
    second.catch(() => (secondFailed = true));
    await tick();
    expect([firstFailed, secondFailed]).toEqual([false, false]);
    // bindWaitMs without a bind: the vendor is down; everything queued fails,
    // the second too although it waited only 600 ms, and so does a new one at once.
    clock = 1_000;
    d.wake();
    await expect(first).rejects.toBeInstanceOf(NoBindError);
    await expect(second).rejects.toThrow(/no bind to the vendor for 1000 ms/);
    clock = 1_500;
    await expect(d.submit(pdu('third'), 1)).rejects.toBeInstanceOf(NoBindError);
    // Reported once per outage, not per submit.
    expect(outages).toEqual([[true, 1_000]]);
    // A bind is back: the wake its pool sends ends the outage at once, with
    // nothing queued; submits are sent again.
    a.usable = true;
    clock = 2_000;
    d.wake();
    expect(outages).toEqual([
      [true, 1_000],
      [false, 2_000],
    ]);
    clock = 2_050;
    const fourth = d.submit(pdu('fourth'), 1);
    await tick();
    expect(a.sent.map((x) => textOf(x.pdu))).toEqual(['fourth']);
    a.sent[0]!.answer(0, 'ok');
    expect((await fourth).messageId).toBe('ok');
    expect(outages).toEqual([
      [true, 1_000],
      [false, 2_000],
    ]);
    // Gone again: the wait starts over rather than failing at once.
    a.usable = false;
    clock = 2_100;
    let fifthFailed = false;
    d.submit(pdu('fifth'), 1).catch(() => (fifthFailed = true));
    await tick();
    expect(fifthFailed).toBe(false);
    d.stop('test over', 'requeue');
  });

  it('sends priority PDUs before the bulk ones waiting, each class in arrival order', async () => {
    const a = new FakeBind('a', 1);
    const d = dispatcher([a]);
    void d.submit(pdu('bulk-1'), 1); // takes the only window slot
    void d.submit(pdu('bulk-2'), 1);
    void d.submit(pdu('bulk-3'), 1);
    void d.submit(pdu('otp-1', 1), 1);
    void d.submit(pdu('otp-2', 3), 1);
    for (let i = 0; i < 5; i++) {
      await tick();
      a.sent[i]!.answer(0);
    }
    expect(a.sent.map((s) => textOf(s.pdu))).toEqual([
      'bulk-1',
      'otp-1',
      'otp-2',
      'bulk-2',
      'bulk-3',
    ]);
  });

  it('a throttled priority PDU goes back ahead of bulk ones that arrived before it', async () => {
    const a = new FakeBind('a', 1);
    const d = dispatcher([a]);
    void d.submit(pdu('bulk-1'), 1);
    void d.submit(pdu('bulk-2'), 1);
    void d.submit(pdu('otp', 2), 1);
    await tick();
    a.sent[0]!.answer(0);
    await tick();
    expect(textOf(a.sent[1]!.pdu)).toBe('otp');
    a.sent[1]!.answer(SmppStatus.ESME_RTHROTTLED);
    await vi.waitFor(() => expect(a.sent).toHaveLength(3), { timeout: 5_000 });
    // By arrival alone bulk-2 would come first.
    expect(textOf(a.sent[2]!.pdu)).toBe('otp');
  });

  it('waits (no failure) while binds exist but their windows are full', async () => {
    const a = new FakeBind('a', 1);
    const d = dispatcher([a], { bindWaitMs: 10 });
    void d.submit(pdu('1'), 1);
    const second = d.submit(pdu('2'), 1);
    await new Promise((r) => setTimeout(r, 30));
    a.sent[0]!.answer(0);
    await tick();
    a.sent[1]!.answer(0, 'two');
    expect((await second).messageId).toBe('two');
  });

  it('pays the pacer in segments, in order, before sending', async () => {
    const a = new FakeBind('a', 10);
    let tokens = 0;
    const pacer: Pacer = {
      tryTake: (n) => (tokens >= n ? ((tokens -= n), true) : false),
      replenish: async () => {
        await tick();
        tokens += 3;
      },
      idle: () => undefined,
    };
    const d = dispatcher([a], { pacer });
    void d.submit(pdu('two-seg'), 2);
    void d.submit(pdu('three-seg'), 3);
    await vi.waitFor(() => expect(a.sent).toHaveLength(2));
    expect(a.sent.map((s) => textOf(s.pdu))).toEqual(['two-seg', 'three-seg']);
    expect(tokens).toBe(1);
  });

  it('stop() rejects what was never sent with its disposition and lets in-flight finish', async () => {
    const a = new FakeBind('a', 1);
    const d = dispatcher([a]);
    const inFlight = d.submit(pdu('1'), 1);
    const queued = d.submit(pdu('2'), 1);
    await tick();
    d.stop('shutting down', 'requeue');
    await expect(queued).rejects.toMatchObject({ name: 'NotSentError', disposition: 'requeue' });
    await expect(d.submit(pdu('3'), 1)).rejects.toBeInstanceOf(NotSentError);
    const idle = d.waitForIdle(1_000);
    a.sent[0]!.answer(0, 'done');
    expect((await inFlight).messageId).toBe('done');
    expect(await idle).toBe(true);
  });
});
