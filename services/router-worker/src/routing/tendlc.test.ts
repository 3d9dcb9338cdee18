import { describe, expect, it } from 'vitest';
import {
  capWindows,
  checkTenDlcCampaign,
  decideCap,
  fitsCapsAlone,
  requiresTenDlc,
  type Campaign,
} from './tendlc.js';

const campaign = (over: Partial<Campaign> = {}): Campaign => ({
  id: 'c1',
  campaignId: 'CABC123',
  brandId: 'B1',
  status: 'ACTIVE',
  tpm: 60,
  brandDailyCap: 1000,
  ...over,
});

describe('requiresTenDlc', () => {
  it.each([
    ['10dlc', '15125550100', '12125550100', true],
    ['10dlc', '15125550100', '447700900123', false], // international destination
    ['10dlc', '15125550100', '14165550100', false], // Canadian destination
    ['tollfree', '18885550100', '12125550100', false],
    ['shortcode', '12345', '12125550100', false],
  ] as const)('%s %s → %s: %s', (type, source, dest, expected) => {
    expect(requiresTenDlc(type, source, dest)).toBe(expected);
  });
});

describe('checkTenDlcCampaign', () => {
  it('accepts exactly one active campaign', () => {
    expect(checkTenDlcCampaign('15125550100', [campaign()])).toEqual({
      ok: true,
      campaign: campaign(),
    });
  });
  it.each([
    [[], 'no_campaign'],
    [[campaign({ status: 'SUSPENDED' })], 'campaign_not_active'],
    [[campaign({ status: 'PENDING' })], 'campaign_not_active'],
    [[campaign(), campaign({ id: 'c2' })], 'multiple_campaigns'],
  ] as const)('rejects %j with %s', (campaigns, reason) => {
    const result = checkTenDlcCampaign('15125550100', campaigns);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.detail).toMatch(/15125550100|CABC123/);
    }
  });
});

describe('decideCap', () => {
  it.each([
    [{ minute: 0, day: 0 }, 1, true, undefined],
    [{ minute: 59, day: 0 }, 1, true, undefined],
    [{ minute: 59, day: 0 }, 2, false, 'campaign_tpm'],
    [{ minute: 0, day: 999 }, 2, false, 'brand_daily'],
  ] as const)('used %j + %d segments', (used, segments, allow, cap) => {
    const decision = decideCap(campaign(), used, segments);
    expect(decision.allow).toBe(allow);
    if (!decision.allow) expect(decision.cap).toBe(cap);
  });
});

describe('fitsCapsAlone', () => {
  it.each([
    [1, true, undefined],
    [60, true, undefined],
    [61, false, 'campaign_tpm'],
  ] as const)('%d segments against tpm 60 → allow %s', (segments, allow, cap) => {
    const decision = fitsCapsAlone(campaign(), segments);
    expect(decision.allow).toBe(allow);
    if (!decision.allow) expect(decision.cap).toBe(cap);
  });
  it('a brand cap smaller than the message rejects on the daily cap', () => {
    expect(fitsCapsAlone(campaign({ brandDailyCap: 2 }), 3)).toEqual({
      allow: false,
      cap: 'brand_daily',
    });
  });
});

describe('capWindows', () => {
  it.each([
    ['2025-01-31T23:59:59.999Z', 28_972_799, '20250131'],
    ['2025-02-01T00:00:00.000Z', 28_972_800, '20250201'],
    ['1970-01-01T00:01:00.000Z', 1, '19700101'],
  ] as const)('%s → minute %d, day %s (UTC)', (iso, epochMinute, utcDay) => {
    expect(capWindows(new Date(iso))).toEqual({ epochMinute, utcDay });
  });
});
