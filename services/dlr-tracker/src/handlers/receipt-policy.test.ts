import { ReceiptStat } from '@smpp-gateway/contracts';
import { DELIVERY_STATUSES } from '@smpp-gateway/db';
import { MESSAGE_STATUSES } from '@smpp-gateway/message-state';
import { RECEIPT_STATS } from '@smpp-gateway/smpp';
import { describe, expect, it } from 'vitest';
import {
  customerStat,
  failureErrorCode,
  receiptRequest,
  wantsFinalReceipt,
} from './receipt-policy.js';

describe('registered_delivery', () => {
  it.each([
    [0x00, 'none'],
    [0x01, 'success_and_failure'],
    [0x02, 'failure_only'],
    [0x03, 'success_only'],
    // Higher bits (SME ack, intermediate notification) do not change the receipt request.
    [0x11, 'success_and_failure'],
    [0x1e, 'failure_only'],
  ] as const)('0x%s → %s', (value, expected) => {
    expect(receiptRequest(value)).toBe(expected);
  });

  it.each([
    // [registered_delivery, status, wanted]
    [0x00, 'DELIVRD', false],
    [0x00, 'UNDELIV', false],
    [0x01, 'DELIVRD', true],
    [0x01, 'UNDELIV', true],
    [0x01, 'failed', true],
    [0x01, 'ENROUTE', false],
    [0x01, 'submitted', false],
    [0x02, 'DELIVRD', false],
    [0x02, 'ACCEPTD', false],
    [0x02, 'EXPIRED', true],
    [0x02, 'REJECTD', true],
    [0x02, 'failed', true],
    [0x03, 'DELIVRD', true],
    [0x03, 'ACCEPTD', true],
    [0x03, 'UNDELIV', false],
    [0x03, 'failed', false],
  ] as const)('rd=0x%s status=%s → %s', (rd, status, wanted) => {
    expect(wantsFinalReceipt(rd, status)).toBe(wanted);
  });
});

describe('receipt wording', () => {
  it('reports our failures as UNDELIV and keeps the vendor words', () => {
    expect(customerStat('failed')).toBe('UNDELIV');
    expect(customerStat('failed', 'vendors_exhausted')).toBe('UNDELIV');
    expect(customerStat('failed', 'expired')).toBe('EXPIRED');
    expect(customerStat('DELIVRD')).toBe('DELIVRD');
    expect(customerStat('REJECTD')).toBe('REJECTD');
    expect(customerStat('submitted')).toBeUndefined();
  });

  it('passes a vendor command_status through, else a fixed code per reason', () => {
    expect(failureErrorCode('vendor_rejected', 0x45)).toBe('069');
    expect(failureErrorCode('vendor_rejected', 0x401)).toBe('1025');
    expect(failureErrorCode('no_route', undefined)).toBe('901');
    expect(failureErrorCode('tendlc_rejected', 0)).toBe('903');
    expect(failureErrorCode(undefined, undefined)).toBe('999');
  });
});

describe('the SMPP receipt stat list', () => {
  // Defined in three leaf packages that do not depend on each other (the
  // contract schema, the CDR column's CHECK list, the SMPP codec); the tracker
  // sits on all three, so it is where they are held equal.
  it('is the same in contracts, the CDR schema, the SMPP codec and the message state', () => {
    const stats = [...ReceiptStat.options].sort();
    expect([...DELIVERY_STATUSES].sort()).toEqual(stats);
    expect([...RECEIPT_STATS].sort()).toEqual(stats);
    expect(MESSAGE_STATUSES.filter((s) => customerStat(s) === s).sort()).toEqual(stats);
  });
});
