// Static imports instead of directory scanning: the same list works from the
// TypeScript sources (tests, tsx) and from compiled dist, and a bundler can
// never silently drop a migration file. Add new migrations here, in order.
import type { Migration } from 'kysely';
import * as m202511260100 from './202511260100_schemas-vendors-customers.js';
import * as m202511260110 from './202511260110_routing-campaigns.js';
import * as m202511260120 from './202511260120_billing-cdrs.js';
import * as m202511260130 from './202511260130_api-tokens.js';
import * as m202611260100 from './202611260100_vendor-receipt-id-format.js';
import * as m202611260200 from './202611260200_cdr-receipt-context.js';
import * as m202611270100 from './202611270100_cdr-fillfactor.js';
import * as m202611270200 from './202611270200_prepaid-credit.js';
import * as m202611270300 from './202611270300_cdr-accepted-brin.js';
import * as m202611270400 from './202611270400_mo-messages.js';
import * as m202611270500 from './202611270500_retired-vendors.js';
import * as m202611270600 from './202611270600_sweep-marks.js';
import * as m202611270700 from './202611270700_blocked-destinations.js';
import * as m202611270800 from './202611270800_customer-allowed-sources.js';
import * as m202611270900 from './202611270900_vendor-receipt-time-zone.js';
import * as m202611271000 from './202611271000_blocked-destination-origin.js';

export const migrations: Readonly<Record<string, Migration>> = {
  '202511260100_schemas-vendors-customers': m202511260100,
  '202511260110_routing-campaigns': m202511260110,
  '202511260120_billing-cdrs': m202511260120,
  '202511260130_api-tokens': m202511260130,
  '202611260100_vendor-receipt-id-format': m202611260100,
  '202611260200_cdr-receipt-context': m202611260200,
  '202611270100_cdr-fillfactor': m202611270100,
  '202611270200_prepaid-credit': m202611270200,
  '202611270300_cdr-accepted-brin': m202611270300,
  '202611270400_mo-messages': m202611270400,
  '202611270500_retired-vendors': m202611270500,
  '202611270600_sweep-marks': m202611270600,
  '202611270700_blocked-destinations': m202611270700,
  '202611270800_customer-allowed-sources': m202611270800,
  '202611270900_vendor-receipt-time-zone': m202611270900,
  '202611271000_blocked-destination-origin': m202611271000,
};
