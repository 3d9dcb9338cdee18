import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { apiRoutes } from '../routes/api-routes.js';
import { buildOpenApiDocument, openApiPath } from './openapi.document.js';

const SEED_ENDPOINTS = [
  'get /health',
  'get /metrics',
  'get /api/v1/vendors',
  'post /api/v1/vendors/{id}/reconnect',
  'get /api/v1/vendors/{id}/status',
  'get /api/v1/messages/{id}',
  'get /api/v1/messages/{id}/dlr',
  'post /api/v1/admin/reload-vendors',
];

describe('OpenAPI document', () => {
  const routes = apiRoutes();
  const document = buildOpenApiDocument(routes);

  it('is a valid OpenAPI 3.1 document according to swagger-parser', async () => {
    // validate() dereferences in place: give it a copy.
    const api = await SwaggerParser.validate(structuredClone(document) as never);
    expect(api.info.title).toBe('smpp-gateway admin API');
  });

  it('lists every route of the table, and the seed endpoints', () => {
    const listed = new Set(
      Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method} ${path}`),
      ),
    );
    for (const route of routes)
      expect(listed).toContain(`${route.method} ${openApiPath(route.path)}`);
    for (const endpoint of SEED_ENDPOINTS) expect(listed).toContain(endpoint);
    expect(listed.size).toBe(routes.length + 4);
  });

  it('documents request bodies from the validating schemas, strict and without read-only fields', () => {
    const schemas = document.components.schemas;
    const create = schemas.VendorCreate as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, unknown>;
    };
    expect(create.additionalProperties).toBe(false);
    expect(create.required).toEqual(
      expect.arrayContaining([
        'instanceName',
        'host',
        'port',
        'bindType',
        'systemId',
        'password',
        'throughput',
      ]),
    );
    expect(create.properties).not.toHaveProperty('id');
    // Responses never describe a password in any form.
    expect(JSON.stringify(schemas.Vendor)).not.toMatch(/password/i);
    expect(JSON.stringify(schemas.Customer)).not.toMatch(/password/i);
  });

  it('documents the prepaid credit adjustment and the balance fields', () => {
    const schemas = document.components.schemas as Record<
      string,
      { properties: Record<string, { description?: string }>; required?: string[] }
    >;
    const adjust = document.paths['/api/v1/customers/{id}/credit']?.post as {
      operationId: string;
      'x-required-scope': string;
      requestBody: { content: Record<string, { schema: unknown }> };
      responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
    };
    expect(adjust.operationId).toBe('adjustCustomerCredit');
    expect(adjust['x-required-scope']).toBe('write');
    expect(adjust.requestBody.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/CreditAdjustment',
    });
    expect(adjust.responses['200']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/PrepaidBalance',
    });
    expect(Object.keys(adjust.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404', '409', '503']),
    );
    expect(schemas.CreditAdjustment?.required).toEqual(['amountMicros']);
    expect(Object.keys(schemas.PrepaidBalance?.properties ?? {})).toEqual([
      'customerId',
      'creditMicros',
      'creditCurrency',
    ]);
    expect(schemas.Customer?.properties).toHaveProperty('creditCurrency');
    expect(schemas.CustomerCreate?.properties).toHaveProperty('creditCurrency');
    expect(schemas.CustomerUpdate?.properties).toHaveProperty('creditCurrency');
    expect(schemas.CustomerCreate?.properties.creditMicros?.description).toMatch(
      /creditCurrency.*postpaid/,
    );
    expect(JSON.stringify(schemas.CustomerUsage)).toContain('chargedMicros');
  });

  it('documents the dead-letter replay and discard, discard with a required limit', () => {
    interface ObjectSchema {
      properties: Record<string, unknown>;
      required?: string[];
      additionalProperties?: boolean;
    }
    const operation = (path: string) =>
      document.paths[path]?.post as {
        operationId: string;
        'x-required-scope': string;
        description: string;
        requestBody: { content: Record<string, { schema: ObjectSchema }> };
        responses: Record<string, { content?: Record<string, { schema: ObjectSchema }> }>;
      };

    const replay = operation('/api/v1/dead-letters/replay');
    expect(replay.operationId).toBe('replayDeadLetters');
    const replayBody = replay.requestBody.content['application/json']?.schema;
    expect(Object.keys(replayBody?.properties ?? {})).toEqual([
      'limit',
      'originalQueue',
      'messageId',
    ]);
    expect(replayBody?.required ?? []).not.toContain('limit');

    const discard = operation('/api/v1/dead-letters/discard');
    expect(discard.operationId).toBe('discardDeadLetters');
    expect(discard['x-required-scope']).toBe('write');
    expect(discard.description).toMatch(/PERMANENT/);
    const discardBody = discard.requestBody.content['application/json']?.schema;
    expect(discardBody?.additionalProperties).toBe(false);
    expect(discardBody?.required).toEqual(['limit']);
    expect(Object.keys(discardBody?.properties ?? {})).toEqual([
      'limit',
      'originalQueue',
      'messageId',
    ]);
    const discardView = discard.responses['200']?.content?.['application/json']?.schema;
    expect(Object.keys(discardView?.properties ?? {})).toEqual([
      'examined',
      'discarded',
      'skipped',
      'remaining',
      'byQueue',
    ]);
    expect(Object.keys(discard.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '503']),
    );
    // They talk to the broker, not the database: 503 says so on all three.
    for (const path of ['/api/v1/dead-letters/replay', '/api/v1/dead-letters/discard']) {
      expect(operation(path).responses['503']).toMatchObject({
        description: expect.stringMatching(/broker_unavailable/),
      });
    }
    const peek = document.paths['/api/v1/dead-letters']?.get as {
      responses: Record<string, { description: string }>;
    };
    expect(peek.responses['503']?.description).toMatch(/broker_unavailable/);
  });

  it('documents the MO archive: a read-scoped search and lookup, metadata only', () => {
    const schemas = document.components.schemas as Record<
      string,
      { properties: Record<string, { description?: string }> }
    >;
    const search = document.paths['/api/v1/mo-messages']?.get as {
      operationId: string;
      'x-required-scope': string;
      parameters: { name: string; required: boolean }[];
    };
    expect(search.operationId).toBe('searchMoMessages');
    expect(search['x-required-scope']).toBe('read');
    expect(search.parameters.map((p) => `${p.name}${p.required ? '*' : ''}`)).toEqual([
      'customerId*',
      'from',
      'to',
      'source',
      'destination',
      'limit',
      'cursor',
    ]);
    const get = document.paths['/api/v1/mo-messages/{id}']?.get as {
      operationId: string;
      responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
    };
    expect(get.operationId).toBe('getMoMessage');
    expect(get.responses['200']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/MoMessage',
    });
    expect(Object.keys(get.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '404']),
    );
    const view = schemas.MoMessage?.properties ?? {};
    expect(view.octets?.description).toMatch(/not stored/);
    expect(view.deliveryMessageId?.description).toMatch(/deliver_sm/);
    expect(Object.keys(view)).not.toContain('text');
  });

  it("documents the lookup by a vendor's message id: read scope, the message status view", () => {
    const get = document.paths['/api/v1/vendors/{id}/messages/{vendorMessageId}']?.get as {
      operationId: string;
      tags: string[];
      description: string;
      'x-required-scope': string;
      parameters: { name: string; in: string; required: boolean; schema: { pattern?: string } }[];
      responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
    };
    expect(get.operationId).toBe('getMessageByVendorMessageId');
    expect(get.tags).toEqual(['Messages']);
    expect(get['x-required-scope']).toBe('read');
    expect(get.description).toMatch(/newest/);
    expect(get.parameters.map((p) => `${p.in}:${p.name}${p.required ? '*' : ''}`)).toEqual([
      'path:id*',
      'path:vendorMessageId*',
    ]);
    expect(get.parameters[1]?.schema.pattern).toBe('^[!-~]{1,64}$');
    // The very view GET /messages/:id answers.
    const status = { $ref: '#/components/schemas/MessageStatus' };
    expect(get.responses['200']?.content?.['application/json']?.schema).toEqual(status);
    expect(
      (document.paths['/api/v1/messages/{id}']?.get as typeof get).responses['200']?.content?.[
        'application/json'
      ]?.schema,
    ).toEqual(status);
    expect(Object.keys(get.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '404']),
    );
  });

  it('documents the blocked destinations: read to list and get, write to block and unblock', () => {
    interface Operation {
      operationId: string;
      tags: string[];
      description: string;
      'x-required-scope': string;
      parameters: { name: string; in: string; required: boolean; schema: { pattern?: string } }[];
      requestBody?: { content: Record<string, { schema: unknown }> };
      responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
    }
    const collection = document.paths['/api/v1/blocked-destinations'] as Record<string, Operation>;
    const item = document.paths['/api/v1/blocked-destinations/{id}'] as Record<string, Operation>;
    expect(Object.keys(collection).sort()).toEqual(['get', 'post']);
    expect(Object.keys(item).sort()).toEqual(['delete', 'get']);
    const scopes = {
      list: collection.get,
      create: collection.post,
      get: item.get,
      delete: item.delete,
    };
    expect(
      Object.fromEntries(
        Object.entries(scopes).map(([name, op]) => [
          name,
          `${op?.operationId}:${op?.['x-required-scope']}`,
        ]),
      ),
    ).toEqual({
      list: 'listBlockedDestinations:read',
      create: 'createBlockedDestination:write',
      get: 'getBlockedDestination:read',
      delete: 'deleteBlockedDestination:write',
    });
    for (const op of Object.values(scopes)) expect(op?.tags).toEqual(['Blocked destinations']);

    const list = scopes.list!;
    expect(list.parameters.map((p) => `${p.in}:${p.name}${p.required ? '*' : ''}`)).toEqual([
      'query:limit',
      'query:offset',
      'query:customerId',
      'query:global',
      'query:prefix',
      'query:origin',
    ]);
    expect(list.parameters.find((p) => p.name === 'prefix')?.schema.pattern).toBe('^[0-9]{1,15}$');
    expect(list.description).toMatch(/global=true.*customerId.*400/);

    const create = scopes.create!;
    expect(create.description).toMatch(/reload-routing/);
    expect(create.requestBody?.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/BlockedDestinationCreate',
    });
    const view = { $ref: '#/components/schemas/BlockedDestination' };
    expect(create.responses['201']?.content?.['application/json']?.schema).toEqual(view);
    expect(Object.keys(create.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '409', '503']),
    );
    expect(scopes.get?.responses['200']?.content?.['application/json']?.schema).toEqual(view);
    expect(scopes.delete?.description).toMatch(/reload-routing/);
    expect(Object.keys(scopes.delete?.responses ?? {})).toEqual(
      expect.arrayContaining(['204', '401', '403', '404', '503']),
    );

    const schemas = document.components.schemas as Record<
      string,
      {
        properties: Record<string, { pattern?: string; maxLength?: number }>;
        required?: string[];
        additionalProperties?: boolean;
      }
    >;
    const body = schemas.BlockedDestinationCreate;
    expect(body?.additionalProperties).toBe(false);
    expect(body?.required).toEqual(['prefix']);
    expect(Object.keys(body?.properties ?? {})).toEqual(['prefix', 'customerId', 'reason']);
    expect(body?.properties.prefix?.pattern).toBe('^[0-9]{1,15}$');
    expect(body?.properties.reason?.maxLength).toBe(200);
    expect(Object.keys(schemas.BlockedDestination?.properties ?? {})).toEqual([
      'id',
      'prefix',
      'customerId',
      'reason',
      'origin',
      'createdAt',
    ]);
  });

  it('describes query parameters and error responses', () => {
    const list = document.paths['/api/v1/vendors']?.get as {
      parameters: { name: string; in: string; required: boolean }[];
      responses: Record<string, unknown>;
    };
    expect(list.parameters.map((p) => p.name)).toEqual([
      'limit',
      'offset',
      'isActive',
      'status',
      'search',
    ]);
    expect(list.parameters.every((p) => p.in === 'query' && !p.required)).toBe(true);
    expect(Object.keys(list.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '429']),
    );
    const create = document.paths['/api/v1/vendors']?.post as {
      responses: Record<string, unknown>;
    };
    expect(Object.keys(create.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '409', '415', '503']),
    );
  });
});
