// Session throughput on loopback: one client bound to one server in this
// process, submit_sm → submit_sm_resp as fast as the window allows. `window`
// workers each keep one request outstanding, so latency is request → response
// without queueing time. Not a test: figures depend on the machine.
//
//   pnpm --filter @smpp-gateway/smpp bench:session [requestsPerWindow]
import { performance } from 'node:perf_hooks';
import { connectSmpp, createSmppServer, SmppStatus, type PduInit } from '../src/session/index.js';

const WINDOWS = [1, 10, 100] as const;
const requestsPerWindow = Number(process.argv[2] ?? 50_000);

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const submit: PduInit<'submit_sm'> = {
  command: 'submit_sm',
  sourceAddrTon: 5,
  sourceAddr: 'ACME',
  destAddrTon: 1,
  destAddrNpi: 1,
  destinationAddr: '15551234567',
  registeredDelivery: 1,
  shortMessage: Buffer.from(
    'Benchmark message of a typical length, about sixty characters.',
    'latin1',
  ),
};

async function main(): Promise<void> {
  let nextId = 0;
  const server = createSmppServer(
    {
      authorize: () => SmppStatus.ESME_ROK,
      windowSize: 100,
      enquireLinkIntervalMs: 0,
    },
    (session) => session.handle('submit_sm', () => ({ messageId: (nextId++).toString(16) })),
  );
  const { port } = await server.listen(0);

  console.log(
    `node ${process.version}, ${requestsPerWindow} submit_sm per window size, loopback TCP`,
  );
  console.log('window  requests/s   p50 ms   p99 ms');
  for (const windowSize of WINDOWS) {
    const client = await connectSmpp({
      host: '127.0.0.1',
      port,
      bindType: 'transmitter',
      systemId: 'bench',
      password: 'bench',
      windowSize,
      enquireLinkIntervalMs: 0,
    });
    const warmup = Math.min(2_000, requestsPerWindow);
    await Promise.all(Array.from({ length: warmup }, () => client.request(submit)));

    const latencies = new Float64Array(requestsPerWindow);
    let issued = 0;
    const worker = async (): Promise<void> => {
      while (issued < requestsPerWindow) {
        const index = issued++;
        const started = performance.now();
        await client.request(submit);
        latencies[index] = performance.now() - started;
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: windowSize }, worker));
    const elapsedMs = performance.now() - started;
    latencies.sort();
    console.log(
      [
        String(windowSize).padStart(6),
        Math.round((requestsPerWindow / elapsedMs) * 1_000)
          .toString()
          .padStart(12),
        percentile(latencies, 50).toFixed(3).padStart(8),
        percentile(latencies, 99).toFixed(3).padStart(8),
      ].join(' '),
    );
    await client.close();
  }
  await server.close();
}

await main();
