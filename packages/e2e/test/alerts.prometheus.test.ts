// The alerting rules against a real gateway: a real Prometheus scrapes every
// service process of a stack (labelled as the ServiceMonitor labels them:
// job = the service, namespace = messaging) and evaluates
// k8s/prometheus-rules.yaml as deployed. A healthy gateway raises nothing;
// a message parked in dead.letters, a carrier that goes away and a service
// whose every pod is gone each raise their alert. The alerts are seen as
// `pending` (their `for:` is minutes long; promtool's unit tests in
// packages/deploy-check cover when they go on to fire): what this proves is
// that the series and labels the rules read are the ones the running
// services export, and that the conditions become true when they should.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { QUEUES } from '@smpp-gateway/contracts';
import { AmqpConnection, createLogger } from '@smpp-gateway/runtime';
import {
  locatePrometheusTool,
  startPrometheus,
  type PrometheusAlert,
  type PrometheusServer,
} from '@smpp-gateway/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startGateway, workspaceRoot, type GatewayStack } from '../src/index.js';
import { eventually } from './support/e2e.helpers.js';

const prometheusMissing = !locatePrometheusTool('prometheus');
if (prometheusMissing) {
  console.warn(
    '\n*** SKIPPING the end-to-end alerting test: prometheus not found. ' +
      'Run scripts/ensure-prometheus.sh (.ci/run does this). ***\n',
  );
}

describe.skipIf(prometheusMissing)(
  'alerting rules on a real Prometheus over a real gateway',
  () => {
    let stack: GatewayStack;
    let prometheus: PrometheusServer;

    /** The active alert named `name` whose labels include `labels`, if any. */
    async function activeAlert(
      name: string,
      labels: Record<string, string> = {},
    ): Promise<PrometheusAlert | undefined> {
      return (await prometheus.alerts()).find(
        (alert) =>
          alert.labels.alertname === name &&
          Object.entries(labels).every(([k, v]) => alert.labels[k] === v),
      );
    }

    beforeAll(async () => {
      stack = await startGateway({
        fixture: {
          vendors: [{ key: 'carrier' }],
          customers: [{ key: 'acme', systemId: 'acme', password: 'acmepw' }],
          routes: [{ name: 'default', vendor: 'carrier' }],
        },
        // Queue depths polled every 500 ms rather than every 5 s.
        serviceEnv: { 'router-worker': { QUEUE_DEPTH_POLL_MS: '500' } },
      });
      const manifest = parse(
        await readFile(join(workspaceRoot(), 'k8s/prometheus-rules.yaml'), 'utf8'),
      ) as { spec: { groups: unknown[] } };
      prometheus = await startPrometheus({
        targets: stack.processes.map((p) => {
          const port = p.ports?.ops;
          if (port === undefined) throw new Error(`${p.service} has no metrics port`);
          return {
            job: p.service,
            port,
            labels: { namespace: 'messaging', pod: `${p.service}-${p.replica}` },
          };
        }),
        rules: JSON.stringify({ groups: manifest.spec.groups }),
      });
    }, 120_000);

    afterAll(async () => {
      await prometheus?.stop();
      await stack?.stop();
    }, 60_000);

    beforeEach(({ onTestFailed }) => {
      onTestFailed(async () => {
        console.error(stack?.formatLogs(60) ?? '(no stack)');
        console.error(`prometheus log:\n${prometheus?.log() ?? '(none)'}`);
        console.error(
          `active alerts: ${JSON.stringify(await prometheus?.alerts().catch(() => []))}`,
        );
      });
    });

    it('scrapes every service and raises nothing while the gateway is healthy', async () => {
      await eventually(
        async () => {
          const targets = await prometheus.targetHealth();
          return targets.length === stack.processes.length &&
            targets.every((t) => t.health === 'up')
            ? targets
            : undefined;
        },
        20_000,
        'every service scraped',
      );
      // The rules have been evaluated over scraped data: the series they read are there.
      await eventually(
        async () => {
          const [ready] = await prometheus.query(
            'count(amqp_queue_messages_ready) and count(smpp_client_connections_total) and count(up == 1)',
          );
          return ready;
        },
        20_000,
        'queue depths, vendor connections and every target in Prometheus',
      );
      // A few evaluation rounds (every second) on a healthy gateway. The
      // event-loop lag alert measures the machine as much as the gateway (the
      // suite runs packages in parallel on two cores), so it is left out.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const active = await prometheus.alerts();
      expect(active.filter((a) => a.labels.alertname !== 'SmppEventLoopLagHigh')).toEqual([]);
    });

    it('raises SmppDeadLetters for a message parked in dead.letters', async () => {
      const amqp = new AmqpConnection({
        url: stack.env.amqp.url,
        name: 'e2e-alerts',
        logger: createLogger({ service: 'e2e', level: 'error' }),
      });
      await amqp.start();
      try {
        await amqp.withConfirmChannel(async (channel) => {
          channel.sendToQueue(QUEUES.dead, Buffer.from('{"parked": true}'), {
            headers: { 'x-original-queue': QUEUES.receipts },
          });
          await channel.waitForConfirms();
        });
      } finally {
        await amqp.close();
      }
      const alert = await eventually(
        () => activeAlert('SmppDeadLetters'),
        20_000,
        'SmppDeadLetters',
      );
      expect(alert).toMatchObject({
        state: 'pending',
        labels: { severity: 'warning' },
        annotations: { summary: '1 messages parked in dead.letters' },
      });
    });

    it('raises SmppVendorDown when the carrier goes away', async () => {
      const vendorId = stack.vendor('carrier').vendor.id;
      stack.simulator('carrier').setFaults({ refuseBindsMs: 120_000, dropConnections: true });
      // The connector's breaker opens BIND_WAIT_MS (5 s) after its last bind,
      // the router reads that within a second, Prometheus within another.
      const alert = await eventually(
        () => activeAlert('SmppVendorDown', { vendor_id: vendorId }),
        30_000,
        'SmppVendorDown',
      );
      expect(alert.labels.severity).toBe('critical');
    });

    it('raises SmppServiceDown when every dlr-tracker pod is gone', async () => {
      await stack.kill('dlr-tracker', 0);
      const down = await eventually(
        () => activeAlert('SmppServiceDown', { job: 'dlr-tracker' }),
        20_000,
        'SmppServiceDown',
      );
      expect(down.labels).toMatchObject({ namespace: 'messaging', severity: 'critical' });
      expect(await activeAlert('SmppPodUnreachable', { job: 'dlr-tracker' })).toBeDefined();
      // The other services are still up: nothing for them.
      expect(await activeAlert('SmppServiceDown', { job: 'edge-server' })).toBeUndefined();
    });
  },
);
