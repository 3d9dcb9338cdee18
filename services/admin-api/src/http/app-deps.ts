import type { Database } from '@smpp-gateway/db';
import type { MessageStateStore, VendorStatusStore } from '@smpp-gateway/message-state';
import type { Logger, Readiness } from '@smpp-gateway/runtime';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { AuthFailureLimiter } from '../auth/auth-failure-limiter.js';
import type { TokenAuthenticator } from '../auth/token-authenticator.js';
import type { TrustProxy } from '../config.js';
import type { CustomerBinds } from '../adapters/customer-binds.redis.js';
import type { CustomerDeliveries } from '../adapters/customer-deliveries.queue.js';
import type { DeadLetterPort } from '../adapters/dead-letter.queue.js';
import type { VendorQueueDepths } from '../adapters/vendor-queue.depths.js';
import type { ControlNotifier } from '../control/control-notifier.js';

/** Everything the express app needs, built by the composition root (or a test). */
export interface AppDeps {
  readonly db: Kysely<Database>;
  readonly messageState: MessageStateStore;
  /** What the vendor-connector pods report in Redis (the routers' view of each vendor). */
  readonly vendorStatus: Pick<VendorStatusStore, 'read'>;
  /** Routed MTs waiting in each vendor's lanes, from the broker. */
  readonly vendorQueues: VendorQueueDepths;
  /** Each customer's live binds across the edge pods (their bind leases in Redis). */
  readonly customerBinds: CustomerBinds;
  /** Deliveries (receipts, MO) waiting for each customer in the broker, and its consumers. */
  readonly customerDeliveries: CustomerDeliveries;
  readonly control: ControlNotifier;
  /** The dead-letter queue: peek and replay. */
  readonly deadLetters: DeadLetterPort;
  readonly tokens: TokenAuthenticator;
  readonly authLimiter: AuthFailureLimiter;
  /** Encrypts vendor passwords written through the API. */
  readonly vendorSecretKey: Buffer;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly readiness: Readiness;
  readonly options: AppOptions;
  readonly now?: () => Date;
}

export interface AppOptions {
  readonly trustProxy: TrustProxy;
  readonly bodyLimitKb: number;
  readonly vendorStatusStaleMs: number;
  readonly docsEnabled: boolean;
}
