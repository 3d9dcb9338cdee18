import { describe, expect, it } from 'vitest';
import { silentLogger } from './logger.js';
import { Readiness } from './readiness.js';
import { ShutdownManager } from './shutdown.js';

function manager(timeoutMs: number, readiness?: Readiness) {
  const exits: number[] = [];
  const shutdown = new ShutdownManager({
    logger: silentLogger,
    timeoutMs,
    ...(readiness ? { readiness } : {}),
    exit: (code) => void exits.push(code),
  });
  return { shutdown, exits };
}

describe('ShutdownManager', () => {
  it('runs phases in order (stop-intake → drain → close) whatever the registration order', async () => {
    const { shutdown, exits } = manager(5_000);
    const order: string[] = [];
    const step =
      (name: string, ms = 0) =>
      async () => {
        order.push(`${name}:start`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        order.push(`${name}:end`);
      };
    shutdown
      .register('close', 'amqp', step('amqp'))
      .register('drain', 'consumers', step('consumers', 30))
      .register('stop-intake', 'smpp-listener', step('smpp-listener', 10))
      .register('close', 'postgres', step('postgres'));

    const result = await shutdown.shutdown('test');
    expect(order).toEqual([
      'smpp-listener:start',
      'smpp-listener:end',
      'consumers:start',
      'consumers:end',
      'amqp:start',
      'amqp:end',
      'postgres:start',
      'postgres:end',
    ]);
    expect(result).toEqual({ exitCode: 0, timedOut: false, unfinished: [], failed: [] });
    expect(exits).toEqual([0]);
  });

  it('turns readiness off before the first handler runs', async () => {
    const readiness = new Readiness();
    const { shutdown } = manager(1_000, readiness);
    let readyDuringHandler: boolean | undefined;
    shutdown.register('stop-intake', 'probe', async () => {
      readyDuringHandler = (await readiness.evaluate()).ready;
    });
    await shutdown.shutdown('test');
    expect(readyDuringHandler).toBe(false);
  });

  it('exits non-zero at the deadline and names what did not finish', async () => {
    const { shutdown, exits } = manager(100);
    let closeRan = false;
    shutdown
      .register('stop-intake', 'listener', () => undefined)
      .register('drain', 'stuck-consumer', () => new Promise<void>(() => undefined))
      .register('close', 'redis', () => {
        closeRan = true;
      });
    const result = await shutdown.shutdown('test');
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBe(1);
    expect(result.unfinished).toEqual(['drain/stuck-consumer', 'close/redis']);
    expect(exits).toEqual([1]);
    expect(closeRan).toBe(false);
  });

  it('keeps going after a failing handler and reports it with a non-zero exit', async () => {
    const { shutdown, exits } = manager(1_000);
    let closed = false;
    shutdown
      .register('drain', 'broken', () => {
        throw new Error('boom');
      })
      .register('close', 'pg', () => {
        closed = true;
      });
    const result = await shutdown.shutdown('test');
    expect(closed).toBe(true);
    expect(result.failed).toEqual(['drain/broken']);
    expect(exits).toEqual([1]);
  });

  it('runs once: a second signal gets the same result and no second exit', async () => {
    const { shutdown, exits } = manager(1_000);
    let runs = 0;
    shutdown.register('close', 'x', async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    const [a, b] = await Promise.all([shutdown.shutdown('SIGTERM'), shutdown.shutdown('SIGINT')]);
    expect(a).toBe(b);
    expect(runs).toBe(1);
    expect(exits).toEqual([0]);
    expect(() => shutdown.register('close', 'late', () => undefined)).toThrow(/shutdown has begun/);
  });

  it('starts on SIGTERM once listening (signal delivered to this process)', async () => {
    const { shutdown, exits } = manager(1_000);
    const ran: string[] = [];
    const listenersBefore = process.listenerCount('SIGTERM');
    shutdown.register('close', 'x', () => void ran.push('x')).listen();
    process.kill(process.pid, 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ran).toEqual(['x']);
    expect(exits).toEqual([0]);
    // The manager removed its listeners; nothing is left to catch a later SIGTERM by accident.
    expect(process.listenerCount('SIGTERM')).toBe(listenersBefore);
  });
});
