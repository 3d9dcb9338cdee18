// US 10DLC: an A2P message from a US 10-digit long code to a US number must
// belong to exactly one ACTIVE registered campaign, and respect the campaign's
// per-minute and the brand's per-day throughput (counted in segments).
import { isUsNumber, type SourceType } from './number-type.js';

export const CAMPAIGN_STATUSES = ['ACTIVE', 'PENDING', 'SUSPENDED', 'EXPIRED'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export interface Campaign {
  readonly id: string;
  readonly campaignId: string;
  readonly brandId: string;
  readonly status: CampaignStatus;
  /** Segments per minute for the campaign. */
  readonly tpm: number;
  /** Segments per day for the whole brand. */
  readonly brandDailyCap: number;
}

export function requiresTenDlc(
  sourceType: SourceType,
  source: string,
  destination: string,
): boolean {
  return sourceType === '10dlc' && isUsNumber(source) && isUsNumber(destination);
}

export type TenDlcCheck =
  | { readonly ok: true; readonly campaign: Campaign }
  | {
      readonly ok: false;
      readonly reason: 'no_campaign' | 'campaign_not_active' | 'multiple_campaigns';
      readonly detail: string;
    };

/** `campaigns`: every campaign the source number is assigned to. */
export function checkTenDlcCampaign(source: string, campaigns: readonly Campaign[]): TenDlcCheck {
  if (campaigns.length === 0) {
    return { ok: false, reason: 'no_campaign', detail: `source ${source} has no 10DLC campaign` };
  }
  if (campaigns.length > 1) {
    return {
      ok: false,
      reason: 'multiple_campaigns',
      detail: `source ${source} is assigned to ${campaigns.length} campaigns`,
    };
  }
  const campaign = campaigns[0]!;
  if (campaign.status !== 'ACTIVE') {
    return {
      ok: false,
      reason: 'campaign_not_active',
      detail: `campaign ${campaign.campaignId} is ${campaign.status}`,
    };
  }
  return { ok: true, campaign };
}

export type CapDecision =
  | { readonly allow: true }
  | { readonly allow: false; readonly cap: 'campaign_tpm' | 'brand_daily' };

/** Whether `segments` more fit under both caps given what was used already. */
export function decideCap(
  campaign: Campaign,
  used: { minute: number; day: number },
  segments: number,
): CapDecision {
  if (used.minute + segments > campaign.tpm) return { allow: false, cap: 'campaign_tpm' };
  if (used.day + segments > campaign.brandDailyCap) return { allow: false, cap: 'brand_daily' };
  return { allow: true };
}

/**
 * A message bigger than a cap on its own would be deferred forever (the
 * window never empties enough), so it is rejected instead of deferred.
 */
export function fitsCapsAlone(campaign: Campaign, segments: number): CapDecision {
  if (segments > campaign.tpm) return { allow: false, cap: 'campaign_tpm' };
  if (segments > campaign.brandDailyCap) return { allow: false, cap: 'brand_daily' };
  return { allow: true };
}

/** The counting windows a message falls in: the epoch minute and the UTC day. */
export function capWindows(now: Date): { readonly epochMinute: number; readonly utcDay: string } {
  const iso = now.toISOString();
  return {
    epochMinute: Math.floor(now.getTime() / 60_000),
    utcDay: `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`,
  };
}
