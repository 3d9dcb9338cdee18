import type { Route } from '../http/route-definition.js';
import { adminRoutes } from './admin.routes.js';
import { blockedDestinationRoutes } from './blocked-destinations.routes.js';
import { campaignRoutes } from './campaigns.routes.js';
import { customerRoutes } from './customers.routes.js';
import { deadLetterRoutes } from './dead-letters.routes.js';
import { messageRoutes } from './messages.routes.js';
import { moMessageRoutes } from './mo-messages.routes.js';
import { numberRoutes } from './numbers.routes.js';
import { rateRoutes } from './rates.routes.js';
import { routingRuleRoutes } from './routing-rules.routes.js';
import { vendorRoutes } from './vendors.routes.js';

/** Every `/api/v1` route: served, validated and documented from this one list. */
export function apiRoutes(): Route[] {
  return [
    ...vendorRoutes(),
    ...customerRoutes(),
    ...routingRuleRoutes(),
    ...blockedDestinationRoutes(),
    ...numberRoutes(),
    ...campaignRoutes(),
    ...rateRoutes(),
    ...messageRoutes(),
    ...moMessageRoutes(),
    ...adminRoutes(),
    ...deadLetterRoutes(),
  ];
}
