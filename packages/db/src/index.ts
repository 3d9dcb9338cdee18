// @smpp-gateway/db: the PostgreSQL schema (kysely types and migrations), the
// repositories every service reads and writes through, the demo seed, and the
// secrets helpers for customer passwords, vendor passwords and API tokens.
export * from './schema.js';
export * from './database.js';
export * from './db-errors.js';
export * from './migrator.js';
export * from './secrets.js';
export * from './demo.seed.js';
export type { Page, PageRequest } from './repositories/pagination.js';
export { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from './repositories/pagination.js';
export { isCidr, isUuid, sourcePatternProblem } from './repositories/column-values.js';
export * from './repositories/vendor.repository.js';
export * from './repositories/customer.repository.js';
export * from './repositories/routing-rule.repository.js';
export * from './repositories/blocked-destination.repository.js';
export * from './repositories/number.repository.js';
export * from './repositories/campaign.repository.js';
export * from './repositories/rate.repository.js';
export * from './repositories/cdr.repository.js';
export * from './repositories/mo-message.repository.js';
export * from './repositories/overdue-receipt.repository.js';
export type { PruneOptions, PruneResult } from './repositories/prune.js';
export * from './repositories/api-token.repository.js';
