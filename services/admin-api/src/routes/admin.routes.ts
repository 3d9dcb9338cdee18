import { defineRoute, type ControlCommandBody, type Route } from '../http/route-definition.js';
import { Accepted } from './common.schema.js';

const TAG = 'Admin';

interface ReloadSpec {
  readonly command: Extract<
    ControlCommandBody['type'],
    'reload-vendors' | 'reload-routing' | 'reload-rates' | 'reload-tendlc'
  >;
  readonly operationId: string;
  readonly summary: string;
}

/**
 * Explicit reloads: after a change made outside the API (SQL, a migration, a
 * restore), or to repeat an announcement the broker missed.
 */
const RELOADS: readonly ReloadSpec[] = [
  {
    command: 'reload-vendors',
    operationId: 'reloadVendors',
    summary: 'Tell every vendor-connector to reload vendors from PostgreSQL',
  },
  {
    command: 'reload-routing',
    operationId: 'reloadRouting',
    summary: 'Tell every router to reload rules, customers, numbers and blocked destinations',
  },
  {
    command: 'reload-rates',
    operationId: 'reloadRates',
    summary: 'Tell every router to reload rates',
  },
  {
    command: 'reload-tendlc',
    operationId: 'reloadTendlc',
    summary: 'Tell every service to reload 10DLC campaigns',
  },
];

export function adminRoutes(): Route[] {
  return RELOADS.map((spec) =>
    defineRoute({
      method: 'post',
      path: `/api/v1/admin/${spec.command}`,
      operationId: spec.operationId,
      tag: TAG,
      summary: spec.summary,
      description: `Announces ${spec.command} on smpp.control (every pod of every service receives it).`,
      scope: 'write',
      announces: true,
      resource: 'control',
      responses: { 202: { description: 'Announced', schema: Accepted } },
      handler: async ({ announce, auditResource }) => {
        auditResource(spec.command);
        await announce({ type: spec.command });
        return { status: 202, body: { accepted: true, commands: [spec.command] } };
      },
    }),
  );
}
