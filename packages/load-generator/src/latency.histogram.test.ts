import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LatencyHistogram } from './latency.histogram.js';

function exactPercentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

describe('LatencyHistogram', () => {
  it('is empty-safe', () => {
    expect(new LatencyHistogram().summary()).toEqual({
      count: 0,
      min: 0,
      mean: 0,
      p50: 0,
      p95: 0,
      p99: 0,
      max: 0,
    });
  });

  it('reports exact values below 2 ms to the microsecond', () => {
    const histogram = new LatencyHistogram();
    for (let i = 1; i <= 100; i++) histogram.record(i / 100); // 0.01 .. 1.00 ms
    expect(histogram.summary()).toMatchObject({
      count: 100,
      min: 0.01,
      max: 1,
      p50: 0.5,
      p95: 0.95,
      p99: 0.99,
    });
    expect(histogram.summary().mean).toBeCloseTo(0.505, 10);
  });

  it('agrees with the sorted-array percentile within 0.1 % for any sample set', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 600_000, noNaN: true }), {
          minLength: 1,
          maxLength: 400,
        }),
        fc.constantFrom(50, 90, 95, 99, 99.9, 100),
        (samples, p) => {
          const histogram = new LatencyHistogram();
          for (const sample of samples) histogram.record(sample);
          // The histogram works in whole microseconds.
          const sorted = samples.map((s) => Math.round(s * 1000) / 1000).sort((a, b) => a - b);
          const exact = exactPercentile(sorted, p);
          const reported = histogram.percentile(p);
          // Never above the true maximum, which rounding to whole microseconds can undercut.
          expect(reported).toBeGreaterThanOrEqual(Math.min(exact, Math.max(...samples)) - 1e-9);
          expect(reported).toBeLessThanOrEqual(exact * 1.001 + 0.001);
          expect(histogram.count).toBe(samples.length);
        },
      ),
    );
  });

  it('clamps absurd values instead of failing', () => {
    const histogram = new LatencyHistogram();
    histogram.record(-5);
    histogram.record(1e15);
    expect(histogram.summary()).toMatchObject({ count: 2, min: 0, max: 1e15 });
  });
});
