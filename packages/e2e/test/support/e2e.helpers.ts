// Small helpers shared by the end-to-end test files: polling, what the carrier
// received, and queue depths of the test vhost.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { PduInit, PduOf } from '@smpp-gateway/smpp';
import type { RecordedPdu, Simulator } from '@smpp-gateway/smsc-simulator';

const execFileAsync = promisify(execFile);

/** Our message ids are UUIDv7 (docs/architecture.md). */
export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Waits until `probe` returns something other than undefined; fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
  stepMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

/** Every submit_sm the carrier received for this destination, oldest first. */
export function carrierSubmits(
  simulator: Simulator,
  destination: string,
): RecordedPdu<'submit_sm'>[] {
  return simulator.records
    .ofCommand('submit_sm')
    .filter((r) => r.pdu.destinationAddr === destination);
}

/** Waits until the carrier holds `count` submits for the destination, then returns them. */
export function waitForCarrier(
  simulator: Simulator,
  destination: string,
  count: number,
  timeoutMs = 20_000,
): Promise<RecordedPdu<'submit_sm'>[]> {
  return eventually(
    () => {
      const found = carrierSubmits(simulator, destination);
      return found.length >= count ? found : undefined;
    },
    timeoutMs,
    `${count} submit_sm for ${destination} at the carrier`,
  );
}

/**
 * What must survive the trip byte for byte: short_message (UDH included),
 * data_coding, esm_class, message_payload and the SAR TLVs. Addresses too.
 */
export function wireView(
  pdu: Omit<PduInit<'submit_sm'>, 'command'> | PduOf<'submit_sm'>,
): Record<string, unknown> {
  const tlvs = pdu.tlvs ?? {};
  return {
    sourceAddr: pdu.sourceAddr ?? '',
    destinationAddr: pdu.destinationAddr ?? '',
    esmClass: pdu.esmClass ?? 0,
    dataCoding: pdu.dataCoding ?? 0,
    shortMessage: Buffer.from(pdu.shortMessage ?? Buffer.alloc(0)).toString('hex'),
    messagePayload: tlvs.messagePayload?.toString('hex'),
    sar:
      tlvs.sarMsgRefNum === undefined
        ? undefined
        : `${tlvs.sarMsgRefNum}/${tlvs.sarTotalSegments}/${tlvs.sarSegmentSeqnum}`,
  };
}

/** Order-free comparison key: parts of one message may be submitted in any order. */
export function sortedWireViews(
  pdus: readonly (Omit<PduInit<'submit_sm'>, 'command'> | PduOf<'submit_sm'>)[],
): string[] {
  return pdus.map((pdu) => JSON.stringify(wireView(pdu))).sort();
}

/** Messages ready in a queue of the vhost (rabbitmqctl: no client library needed). */
export async function queueDepth(vhost: string, queue: string): Promise<number> {
  const { stdout } = await execFileAsync(
    process.env.TEST_RABBITMQCTL ?? 'rabbitmqctl',
    ['-q', 'list_queues', '-p', vhost, 'name', 'messages'],
    { timeout: 30_000 },
  );
  for (const line of stdout.split('\n')) {
    const [name, messages] = line.trim().split(/\s+/);
    if (name === queue) return Number(messages);
  }
  return 0;
}
