// The MO archive (messaging.mo_messages): what router-worker delivered to
// whom, part by part, for support ("did my customer get the STOP from this
// number?") and billing of inbound traffic. Metadata only.
import { sql, type Kysely } from 'kysely';
import type { Database, MoMessageRow } from '../schema.js';
import { isUuid } from './column-values.js';
import { keysetPage } from './pagination.js';
import { pruneBefore, type PruneOptions, type PruneResult } from './prune.js';

const TABLE = 'messaging.mo_messages';
/** Not the CDRs' key: both retention runs may go at once, each alone on its table. */
const PRUNE_LOCK_KEY = 0x5347_4d4f; // "SGMO"

export interface MoMessage {
  readonly messageId: string;
  readonly customerId: string;
  readonly vendorId: string | null;
  readonly source: string;
  readonly destination: string;
  readonly esmClass: number;
  readonly dataCoding: number;
  readonly octets: number;
  readonly concat: {
    readonly reference: number;
    readonly sequence: number;
    readonly total: number;
  } | null;
  readonly receivedAt: Date;
  readonly routedAt: Date;
  readonly deliveryMessageId: string;
}

export type MoMessageWrite = MoMessage;

function toMoMessage(row: MoMessageRow): MoMessage {
  return {
    messageId: row.message_id,
    customerId: row.customer_id,
    vendorId: row.vendor_id,
    source: row.source_addr,
    destination: row.destination_addr,
    esmClass: row.esm_class,
    dataCoding: row.data_coding,
    octets: row.octets,
    concat:
      row.concat_ref !== null && row.part_seq !== null && row.part_total !== null
        ? { reference: row.concat_ref, sequence: row.part_seq, total: row.part_total }
        : null,
    receivedAt: row.received_at,
    routedAt: row.routed_at,
    deliveryMessageId: row.delivery_message_id,
  };
}

/**
 * Archives MO parts, several in one statement. Idempotent: a part the broker
 * redelivers (the router crashed before its ack) keeps its first row.
 */
export async function insertMoMessages(
  db: Kysely<Database>,
  messages: readonly MoMessageWrite[],
): Promise<void> {
  if (messages.length === 0) return;
  await db
    .insertInto(TABLE)
    .values(
      messages.map((m) => ({
        message_id: m.messageId,
        customer_id: m.customerId,
        vendor_id: m.vendorId !== null && isUuid(m.vendorId) ? m.vendorId : null,
        source_addr: m.source,
        destination_addr: m.destination,
        esm_class: m.esmClass,
        data_coding: m.dataCoding,
        octets: m.octets,
        concat_ref: m.concat?.reference ?? null,
        part_seq: m.concat?.sequence ?? null,
        part_total: m.concat?.total ?? null,
        received_at: m.receivedAt,
        routed_at: m.routedAt,
        delivery_message_id: m.deliveryMessageId,
      })),
    )
    .onConflict((oc) => oc.column('message_id').doNothing())
    .execute();
}

export async function getMoMessage(
  db: Kysely<Database>,
  messageId: string,
): Promise<MoMessage | undefined> {
  const row = await db
    .selectFrom(TABLE)
    .selectAll()
    .where('message_id', '=', messageId)
    .executeTakeFirst();
  return row ? toMoMessage(row) : undefined;
}

export interface MoMessageCursor {
  readonly receivedAt: Date;
  readonly messageId: string;
}

export interface MoMessageSearch {
  readonly customerId: string;
  readonly from: Date;
  readonly to: Date;
  readonly source?: string;
  readonly destination?: string;
  readonly limit: number;
  readonly after?: MoMessageCursor;
}

/**
 * A page of one customer's MO parts received in a window, newest first, on
 * the (customer_id, received_at) index; keyset pagination on (received_at,
 * message_id) as the CDR search does.
 */
export async function searchMoMessages(
  db: Kysely<Database>,
  search: MoMessageSearch,
): Promise<{ items: MoMessage[]; next: MoMessageCursor | undefined }> {
  if (!isUuid(search.customerId)) return { items: [], next: undefined };
  let query = db
    .selectFrom(TABLE)
    .selectAll()
    .where('customer_id', '=', search.customerId)
    .where('received_at', '>=', search.from)
    .where('received_at', '<', search.to);
  if (search.source !== undefined) query = query.where('source_addr', '=', search.source);
  if (search.destination !== undefined)
    query = query.where('destination_addr', '=', search.destination);
  const after = search.after;
  if (after !== undefined) {
    query = query.where(
      sql<boolean>`(received_at, message_id) < (${after.receivedAt}, ${after.messageId})`,
    );
  }
  const rows = await query
    .orderBy('received_at', 'desc')
    .orderBy('message_id', 'desc')
    .limit(search.limit + 1)
    .execute();
  return keysetPage(rows, search.limit, toMoMessage, (m) => ({
    receivedAt: m.receivedAt,
    messageId: m.messageId,
  }));
}

/** Deletes the MO parts received before `before`, in batches, as pruneCdrs does the CDRs. */
export function pruneMoMessages(db: Kysely<Database>, options: PruneOptions): Promise<PruneResult> {
  return pruneBefore(
    db,
    { table: 'messaging.mo_messages', column: 'received_at', lockKey: PRUNE_LOCK_KEY },
    options,
  );
}
