// MoReceived → CustomerDelivery on deliver.{customerId}. Long messages are
// reassembled for accounts that ask for it: each part's delivery stays
// unacknowledged (its handler promise pending) until the whole message is
// published, so a crash loses nothing — the broker redelivers the parts.
// Every part is archived (messaging.mo_messages) before its delivery is
// published, so every delivered MO has its record; the archive write is
// idempotent, and a failed one retries the MO like a failed publish.
// A subscriber's STOP (or START) is recorded before its MO is delivered, so
// a failed write retries the MO and a redelivered one records nothing new.
import type { MoReceived } from '@smpp-gateway/contracts';
import { RetryableError, type Logger } from '@smpp-gateway/runtime';
import type { RouterMetrics } from '../metrics.js';
import { joinedDelivery, moConcat, moOctets, moPartInfo, singleDelivery } from '../mo/mo-concat.js';
import { optActionOf, subscriberNumber, type OptKeywords } from '../mo/opt-out.js';
import { PartAssembler } from '../mo/part-assembler.js';
import type { DeliveryOutbox, MoArchive, OptOutRegistry, SnapshotSource } from './ports.js';

export interface MoHandlerDeps {
  readonly snapshots: SnapshotSource;
  readonly outbox: DeliveryOutbox;
  readonly archive: MoArchive;
  readonly metrics: RouterMetrics;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** How long the first part of a long message waits for the others. */
  readonly reassemblyTimeoutMs: number;
  /** Subscribers' opt-out and opt-in keywords (both empty: off) and where they are recorded. */
  readonly optOut: { readonly keywords: OptKeywords; readonly registry: OptOutRegistry };
}

/** Non-retryable: the consumer dead-letters the message with this reason. */
export class UnknownNumberError extends Error {
  override readonly name = 'UnknownNumberError';
}

interface HeldPart {
  readonly mo: MoReceived;
  readonly sequence: number;
  readonly customerId: string;
  readonly settle: (error?: Error) => void;
}

export interface MoHandler {
  handle(mo: MoReceived): Promise<void>;
  /** Delivers parts whose group timed out, one by one (call periodically). */
  sweep(): Promise<void>;
  /** Shutdown: every held part goes back to the queue for another replica. */
  releaseAll(): void;
  readonly held: number;
}

/** Masks all but the last four digits: enough to find a number, not to leak it. */
function maskNumber(addr: string): string {
  return addr.length <= 4 ? '****' : `${'*'.repeat(addr.length - 4)}${addr.slice(-4)}`;
}

export function createMoHandler(deps: MoHandlerDeps): MoHandler {
  const { metrics, logger } = deps;
  const assembler = new PartAssembler<HeldPart>(deps.reassemblyTimeoutMs);
  const updateHeld = () => metrics.moPartsHeld.set(assembler.held);

  function recordOf(mo: MoReceived, customerId: string, deliveryMessageId: string, at: Date) {
    return {
      messageId: mo.messageId,
      customerId,
      vendorId: mo.vendorId,
      source: mo.source.addr,
      destination: mo.destination.addr,
      esmClass: mo.esmClass,
      dataCoding: mo.dataCoding,
      octets: moOctets(mo),
      concat: moConcat(mo) ?? null,
      receivedAt: new Date(mo.receivedAt),
      routedAt: at,
      deliveryMessageId,
    };
  }

  async function applyOptKeyword(mo: MoReceived, customerId: string): Promise<void> {
    const opt = optActionOf(mo, deps.optOut.keywords);
    if (!opt) return;
    const number = subscriberNumber(mo.source.addr);
    if (!number) {
      metrics.optOuts.inc({ action: opt.action, outcome: 'not_a_number' });
      return;
    }
    const changed = await deps.optOut.registry.apply(opt.action, customerId, number, opt.keyword);
    metrics.optOuts.inc({ action: opt.action, outcome: changed ? 'recorded' : 'unchanged' });
    logger.info(opt.action === 'opt_out' ? 'subscriber opted out' : 'subscriber opted in', {
      message_id: mo.messageId,
      customer_id: customerId,
      keyword: opt.keyword,
      subscriber: maskNumber(number),
      changed,
    });
  }

  async function deliverSingle(mo: MoReceived, customerId: string): Promise<void> {
    const now = deps.clock();
    const delivery = singleDelivery(mo, customerId, now);
    await deps.archive.archive([recordOf(mo, customerId, delivery.messageId, now)]);
    await deps.outbox.deliver(delivery);
  }

  async function deliverJoined(parts: readonly HeldPart[]): Promise<void> {
    const first = parts[0];
    if (!first) return;
    try {
      const now = deps.clock();
      const delivery = joinedDelivery(parts, first.customerId, now);
      await deps.archive.archive(
        parts.map((p) => recordOf(p.mo, p.customerId, delivery.messageId, now)),
      );
      await deps.outbox.deliver(delivery);
    } catch (err) {
      // Every part goes back to the queue; they meet again on redelivery.
      const retry =
        err instanceof RetryableError
          ? err
          : new RetryableError('publishing the joined MO failed', { cause: err });
      for (const part of parts) part.settle(retry);
      return;
    }
    metrics.mo.inc({ outcome: 'reassembled' });
    for (const part of parts) part.settle();
  }

  return {
    get held() {
      return assembler.held;
    },

    async handle(mo) {
      let snapshot = deps.snapshots.current();
      let owner = snapshot.ownerOf(mo.destination.addr);
      if (!owner) {
        const refreshed = await deps.snapshots.refreshAfterMiss();
        if (!refreshed.fresh) {
          throw new RetryableError(
            'number unknown and the routing configuration cannot be reloaded',
          );
        }
        snapshot = refreshed.snapshot;
        owner = snapshot.ownerOf(mo.destination.addr);
      }
      if (!owner) {
        metrics.mo.inc({ outcome: 'unknown_number' });
        const masked = maskNumber(mo.destination.addr);
        logger.warn('mo for a number no customer owns', {
          message_id: mo.messageId,
          vendor_id: mo.vendorId,
          dest: masked,
        });
        throw new UnknownNumberError(`no customer owns destination number ${masked}`);
      }

      const part = owner.moReassembly ? moPartInfo(mo) : undefined;
      if (!part) {
        await applyOptKeyword(mo, owner.id);
        await deliverSingle(mo, owner.id);
        metrics.mo.inc({ outcome: 'delivered' });
        return;
      }

      const customerId = owner.id;
      return new Promise<void>((resolve, reject) => {
        const held: HeldPart = {
          mo,
          sequence: part.sequence,
          customerId,
          settle: (error) => (error ? reject(error) : resolve()),
        };
        const result = assembler.add(
          part.key,
          part.sequence,
          part.total,
          held,
          deps.clock().getTime(),
        );
        // The earlier copy of a redelivered part: its content lives on in the
        // new copy, so its delivery may be acked (a no-op if its channel died).
        result.displaced?.settle();
        updateHeld();
        if (result.complete) void deliverJoined(result.complete);
      });
    },

    async sweep() {
      const expired = assembler.expire(deps.clock().getTime());
      updateHeld();
      await Promise.all(
        expired.flat().map(async (part) => {
          try {
            await deliverSingle(part.mo, part.customerId);
          } catch (err) {
            part.settle(
              err instanceof RetryableError
                ? err
                : new RetryableError('publishing an MO part failed', { cause: err }),
            );
            return;
          }
          metrics.mo.inc({ outcome: 'timed_out' });
          part.settle();
        }),
      );
      if (expired.length > 0) {
        logger.info('mo reassembly timed out, parts delivered one by one', {
          groups: expired.length,
          parts: expired.reduce((n, g) => n + g.length, 0),
        });
      }
    },

    releaseAll() {
      const parts = assembler.releaseAll();
      updateHeld();
      const error = new RetryableError('shutting down: part returned to the queue');
      for (const part of parts) part.settle(error);
    },
  };
}
