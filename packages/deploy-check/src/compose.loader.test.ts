import { describe, expect, it } from 'vitest';
import {
  composeDependencies,
  composeEnvironment,
  parseComposeDuration,
  publishedPorts,
} from './compose.loader.js';

describe('compose helpers', () => {
  it.each([
    ['40s', 40_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['40', undefined],
    ['soon', undefined],
    [undefined, undefined],
  ])('duration %s → %s', (text, ms) => {
    expect(parseComposeDuration(text)).toBe(ms);
  });

  it('reads published ports in short and long forms', () => {
    expect(
      publishedPorts({
        ports: ['2775:2775', '127.0.0.1:2778:2778/tcp', '9999', { published: 8080, target: 8080 }],
      }),
    ).toEqual([2775, 2778, 8080]);
  });

  it('normalises environment and depends_on forms', () => {
    expect(composeEnvironment({ environment: ['A=1', 'B=x=y'] })).toEqual({ A: '1', B: 'x=y' });
    expect(composeEnvironment({ environment: { A: 1, B: null } })).toEqual({ A: '1', B: '' });
    expect(composeDependencies({ depends_on: ['db'] })).toEqual({ db: 'service_started' });
    expect(composeDependencies({ depends_on: { db: { condition: 'service_healthy' } } })).toEqual({
      db: 'service_healthy',
    });
  });
});
