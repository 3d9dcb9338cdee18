import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogLevel } from './logger.js';

function capture(level: LogLevel = 'debug') {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n'))
      if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const logger = createLogger({ service: 'edge-server', level, stream });
  // Winston writes through a stream pipeline; give it a tick.
  const flush = () => new Promise((resolve) => setImmediate(resolve));
  return { logger, lines, flush };
}

describe('createLogger', () => {
  it('writes the seed fields as one JSON line, level in upper case, field order fixed', async () => {
    const { logger, lines, flush } = capture();
    logger.child({ component: 'smpp-server' }).info('Message submitted', {
      message_id: 'm-1',
      customer_id: 'cust-123',
      vendor_id: 'vendor-456',
      source: '15551234567',
      dest: '15559876543',
      segments: 1,
      latency_ms: 23,
    });
    await flush();
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(Object.keys(line).slice(0, 5)).toEqual([
      'timestamp',
      'level',
      'service',
      'component',
      'message',
    ]);
    expect(line).toMatchObject({
      level: 'INFO',
      service: 'edge-server',
      component: 'smpp-server',
      message: 'Message submitted',
      message_id: 'm-1',
      customer_id: 'cust-123',
      vendor_id: 'vendor-456',
      source: '1555*****67',
      dest: '1555*****43',
      segments: 1,
      latency_ms: 23,
    });
    expect(new Date(line.timestamp as string).toISOString()).toBe(line.timestamp);
  });

  it('filters by level and answers isLevelEnabled', async () => {
    const { logger, lines, flush } = capture('warn');
    logger.debug('no');
    logger.info('no');
    logger.warn('yes');
    logger.error('yes');
    logger.fatal('yes');
    await flush();
    expect(lines.map((l) => l.level)).toEqual(['WARN', 'ERROR', 'FATAL']);
    expect(logger.isLevelEnabled('info')).toBe(false);
    expect(logger.isLevelEnabled('error')).toBe(true);
  });

  it('does not even look at the fields of a disabled level', async () => {
    const { logger, lines, flush } = capture('info');
    const fields = {
      get expensive(): string {
        throw new Error('fields of a disabled level were read');
      },
    };
    expect(() => logger.debug('skipped', fields)).not.toThrow();
    await flush();
    expect(lines).toHaveLength(0);
  });

  it('redacts secrets and text in bound and per-line fields, and logs errors under `error`', async () => {
    const { logger, lines, flush } = capture();
    const child = logger.child({
      component: 'vendor-connector',
      vendor: { system_id: 's', password: 'pw' },
    });
    child.error('bind failed', {
      err: new Error('bad password for amqp://u:pw@h'),
      short_message: 'secret text',
    });
    await flush();
    const line = lines[0]!;
    expect(line.vendor).toEqual({ system_id: 's', password: '[REDACTED]' });
    expect(line.short_message).toBe('[REDACTED len=11]');
    expect(line.err).toBeUndefined();
    expect(line.error).toMatchObject({ type: 'Error', message: 'bad password for amqp://u:***@h' });
    expect(JSON.stringify(line)).not.toContain(':pw@');
  });

  it('keeps the line message and level when a field tries to overwrite them', async () => {
    const { logger, lines, flush } = capture();
    logger.info('real', { message: 'fake', level: 'fake', service: 'fake' });
    await flush();
    expect(lines[0]).toMatchObject({ message: 'real', level: 'INFO', service: 'edge-server' });
  });
});
