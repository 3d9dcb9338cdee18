import { describe, expect, it } from 'vitest';
import { groupingLabelsInExpr, metricNamesInExpr, selectorLabelsInExpr } from './promql.metrics.js';

describe('metricNamesInExpr', () => {
  it.each([
    [
      'sum by (status) (rate(smpp_server_submit_sm_total[$__rate_interval]))',
      ['smpp_server_submit_sm_total'],
    ],
    [
      'histogram_quantile(0.95, sum by (le, route) (rate(message_routing_duration_seconds_bucket[5m])))',
      ['message_routing_duration_seconds_bucket'],
    ],
    [
      'sum(rate(a_total{service="vendor-connector", x=~"b_c|d"}[1m])) / ignoring(x) sum(rate(b_total[1m]))',
      ['a_total', 'b_total'],
    ],
    [
      'max by (priority) (message_queue_depth) > 1e3 and on(priority) up',
      ['message_queue_depth', 'up'],
    ],
    ['process_resident_memory_bytes offset 5m', ['process_resident_memory_bytes']],
  ])('%s', (expr, names) => {
    expect(metricNamesInExpr(expr)).toEqual(names);
  });
});

describe('selectorLabelsInExpr', () => {
  it('lists each selector with the labels its matchers use, not their values', () => {
    expect(
      selectorLabelsInExpr(
        'sum(rate(a_total{status=~"x|y", queue!="{b=c}"}[5m])) / up{job="e"} + b_total',
      ),
    ).toEqual([
      { metric: 'a_total', labels: ['status', 'queue'] },
      { metric: 'up', labels: ['job'] },
    ]);
  });
});

describe('groupingLabelsInExpr', () => {
  it('collects by and without labels', () => {
    expect(
      groupingLabelsInExpr(
        'sum by (vendor_id, le) (rate(x_bucket[5m])) / max without(instance) (y) and on(z) w',
      ),
    ).toEqual(['instance', 'le', 'vendor_id']);
  });
});
