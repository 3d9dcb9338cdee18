// Prometheus view of the simulator. The hot path only bumps plain numbers in
// SimulatorCounters; prom-client reads them at scrape time through collect(),
// so a 10 000 msg/s run pays nothing for label lookups.
import { Counter, Gauge, Registry } from 'prom-client';
import { describeSmppStatus } from '@smpp-gateway/smpp';
import type { BindType } from '@smpp-gateway/smpp';
import type { SimReceiptStat } from './receipt-outcome.rules.js';

export interface SimulatorCounters {
  /** submit_sm + data_sm answered, by command_status. */
  readonly submitByStatus: Map<number, number>;
  readonly receiptsSentByStat: Map<SimReceiptStat, number>;
  /** Receipts asked for but never sent because the outcome was NONE (on purpose, not lost). */
  receiptsWithheld: number;
  readonly activeBinds: Record<BindType, number>;
  moSent: number;
}

/** Publishes `current` into a counter as increments since the last scrape. */
function publish<L extends string>(
  counter: Counter<L>,
  published: Map<string, number>,
  label: L,
  key: string,
  current: number,
): void {
  const delta = current - (published.get(key) ?? 0);
  if (delta > 0) {
    counter.inc({ [label]: key } as Partial<Record<L, string>>, delta);
    published.set(key, current);
  }
}

export function createSimulatorRegistry(counters: SimulatorCounters): Registry {
  const registry = new Registry();
  const publishedSubmits = new Map<string, number>();
  const publishedReceipts = new Map<string, number>();
  let publishedMo = 0;
  let publishedWithheld = 0;

  new Counter({
    name: 'smsc_sim_submit_total',
    help: 'submit_sm and data_sm answered by the simulator, by response command_status',
    labelNames: ['status'] as const,
    registers: [registry],
    collect() {
      for (const [status, count] of counters.submitByStatus) {
        publish(this, publishedSubmits, 'status', describeSmppStatus(status), count);
      }
    },
  });
  new Counter({
    name: 'smsc_sim_receipts_sent_total',
    help: 'Delivery receipts sent as deliver_sm, by stat',
    labelNames: ['stat'] as const,
    registers: [registry],
    collect() {
      for (const [stat, count] of counters.receiptsSentByStat) {
        publish(this, publishedReceipts, 'stat', stat, count);
      }
    },
  });
  // Its own counter, not a stat="NONE" label on receipts_sent: nothing was
  // sent, and a dashboard summing receipts_sent must not count these.
  new Counter({
    name: 'smsc_sim_receipts_withheld_total',
    help: 'Delivery receipts asked for but never sent because the outcome was NONE (a carrier that never reports)',
    registers: [registry],
    collect() {
      const delta = counters.receiptsWithheld - publishedWithheld;
      if (delta > 0) {
        this.inc(delta);
        publishedWithheld = counters.receiptsWithheld;
      }
    },
  });
  new Gauge({
    name: 'smsc_sim_active_binds',
    help: 'Bound SMPP sessions, by bind type',
    labelNames: ['bind_type'] as const,
    registers: [registry],
    collect() {
      for (const [bindType, count] of Object.entries(counters.activeBinds)) {
        this.set({ bind_type: bindType }, count);
      }
    },
  });
  new Counter({
    name: 'smsc_sim_mo_sent_total',
    help: 'Mobile-originated deliver_sm sent (one per part)',
    registers: [registry],
    collect() {
      const delta = counters.moSent - publishedMo;
      if (delta > 0) {
        this.inc(delta);
        publishedMo = counters.moSent;
      }
    },
  });
  return registry;
}
