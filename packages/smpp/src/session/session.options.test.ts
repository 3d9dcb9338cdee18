import { describe, expect, it } from 'vitest';
import { SmppOptionsError } from './session.errors.js';
import { resolveSessionOptions, SESSION_DEFAULTS } from './session.options.js';

function problemsOf(options: Parameters<typeof resolveSessionOptions>[0]): readonly string[] {
  try {
    resolveSessionOptions(options);
  } catch (error) {
    if (error instanceof SmppOptionsError) {
      return error.problems;
    }
    throw error;
  }
  return [];
}

describe('session options', () => {
  it('fills defaults that fit a 64 KB message_payload', () => {
    const resolved = resolveSessionOptions();
    expect(resolved).toMatchObject(SESSION_DEFAULTS);
    expect(resolved.maxPduSize).toBeGreaterThanOrEqual(70_000);
    expect(resolved.handlerTimeoutMs).toBe(resolved.responseTimeoutMs);
  });

  it('rejects a response timeout of three enquire_link intervals or more, saying why', () => {
    const problems = problemsOf({ responseTimeoutMs: 90_000, enquireLinkIntervalMs: 30_000 });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /responseTimeoutMs \(90000\) must be below 3 × enquireLinkIntervalMs \(30000\)/,
    );
    expect(problemsOf({ responseTimeoutMs: 89_999, enquireLinkIntervalMs: 30_000 })).toEqual([]);
    // With the link check disabled there is nothing to compare against.
    expect(problemsOf({ responseTimeoutMs: 90_000, enquireLinkIntervalMs: 0 })).toEqual([]);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({
      windowSize: 0,
      responseTimeoutMs: 1.5,
      maxPduSize: 100,
      maxQueued: -1,
    });
    expect(problems).toEqual([
      'windowSize must be an integer in 1..65535, got 0',
      'responseTimeoutMs must be an integer in 1..2147483647, got 1.5',
      'maxPduSize must be an integer in 1024..16777216, got 100',
      'maxQueued must be an integer in 0..9007199254740991, got -1',
      // handlerTimeoutMs defaults to responseTimeoutMs, so it inherits the bad value.
      'handlerTimeoutMs must be an integer in 1..2147483647, got 1.5',
    ]);
  });

  it('requires the write buffer cap to hold at least one PDU', () => {
    expect(problemsOf({ maxPduSize: 70_000, maxWriteBufferBytes: 1_000 })).toEqual([
      'maxWriteBufferBytes (1000) must be at least maxPduSize (70000)',
    ]);
  });
});
