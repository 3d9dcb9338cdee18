// The OpenAPI 3.1 document, generated from the route table and the very zod
// schemas that validate requests. OpenAPI 3.1 uses JSON Schema 2020-12, which
// is zod's native target, so schemas need no dialect conversion.
import { z } from 'zod';
import { ErrorResponse } from '../http/api-error.js';
import type { Route } from '../http/route-definition.js';

type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  tags: { name: string }[];
  paths: Record<string, Record<string, unknown>>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<string, unknown>;
  };
}

export const API_VERSION = '1.0.0';

/** `/api/v1/vendors/:id` → `/api/v1/vendors/{id}` */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * Collects named schemas (zod `.meta({ id })`) into `components.schemas` and
 * turns zod's `#/$defs/X` references into `#/components/schemas/X`. Requests
 * are described by their input side (defaults optional), responses by their
 * output side; when one id differs between the two, the request form is
 * named `XInput`.
 */
class ComponentCollector {
  readonly schemas: Record<string, JsonSchema> = {};
  private readonly seen = new Map<string, string>();

  toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
    }) as JsonSchema;
    delete json.$schema;
    const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
    delete json.$defs;

    const renames = new Map<string, string>();
    for (const [id, def] of Object.entries(defs)) {
      const text = JSON.stringify(def);
      const existing = this.seen.get(id);
      if (existing === undefined || existing === text) {
        renames.set(id, id);
      } else {
        const alternative = io === 'input' ? `${id}Input` : `${id}Output`;
        const other = this.seen.get(alternative);
        if (other !== undefined && other !== text) {
          throw new Error(`schema id '${id}' has more than two shapes; give them distinct ids`);
        }
        renames.set(id, alternative);
      }
    }
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (typeof value !== 'object' || value === null) return value;
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(value)) {
        if (key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')) {
          const id = inner.slice('#/$defs/'.length);
          out[key] = `#/components/schemas/${renames.get(id) ?? id}`;
        } else {
          out[key] = rewrite(inner);
        }
      }
      return out;
    };
    for (const [id, def] of Object.entries(defs)) {
      const name = renames.get(id) ?? id;
      const text = JSON.stringify(def);
      if (!this.seen.has(name)) {
        this.seen.set(name, text);
        this.schemas[name] = rewrite(def) as JsonSchema;
      }
    }
    return rewrite(json) as JsonSchema;
  }
}

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

function parametersOf(
  collector: ComponentCollector,
  schema: z.ZodType | undefined,
  location: 'path' | 'query',
): Parameter[] {
  if (!schema) return [];
  const json = collector.toSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

const ERROR_RESPONSE_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid request: field-level problems in error.details',
  401: 'Missing, invalid or revoked bearer token',
  403: 'The token lacks the write scope',
  404: 'No such resource',
  405: 'Method not allowed on this path',
  409: 'Conflict with the current state (duplicate, concurrent change, still referenced)',
  413: 'Request body too large',
  415: 'Request body is not JSON',
  429: 'Too many failed authentications from this address',
  500: 'Internal error (no detail is disclosed)',
  503: 'Message broker unreachable: the change could not be announced',
};

function errorStatuses(route: Route): number[] {
  const statuses = [401, 429, 500];
  if (route.params || route.query || route.body) statuses.push(400);
  if (route.scope === 'write') statuses.push(403);
  if (route.params) statuses.push(404);
  if (route.method !== 'get') statuses.push(409);
  if (route.body) statuses.push(413, 415);
  if (route.announces) statuses.push(503);
  return statuses.sort((a, b) => a - b);
}

const errorRef = { $ref: '#/components/schemas/ErrorResponse' };

function jsonContent(schema: JsonSchema): Record<string, unknown> {
  return { 'application/json': { schema } };
}

function operationFor(route: Route, collector: ComponentCollector): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    responses[status] = {
      description: spec.description,
      ...(spec.schema ? { content: jsonContent(collector.toSchema(spec.schema, 'output')) } : {}),
    };
  }
  for (const status of errorStatuses(route)) {
    responses[String(status)] ??= {
      description: ERROR_RESPONSE_DESCRIPTIONS[status] ?? 'Error',
      content: jsonContent(errorRef),
    };
  }
  const scopeNote =
    route.scope === 'write'
      ? 'Requires a token with scope write.'
      : 'Requires a token (read or write).';
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    description: [route.description, scopeNote].filter(Boolean).join('\n\n'),
    security: [{ bearerAuth: [] }],
    'x-required-scope': route.scope,
    parameters: [
      ...parametersOf(collector, route.params, 'path'),
      ...parametersOf(collector, route.query, 'query'),
    ],
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: jsonContent(collector.toSchema(route.body, 'input')),
          },
        }
      : {}),
    responses,
  };
}

const PROBE_PATHS: Record<string, Record<string, unknown>> = {
  '/health': {
    get: {
      operationId: 'health',
      tags: ['Operations'],
      summary: 'Liveness: 200 while the process can serve (also during graceful shutdown)',
      security: [],
      responses: { '200': { description: 'Alive' } },
    },
  },
  '/ready': {
    get: {
      operationId: 'ready',
      tags: ['Operations'],
      summary: 'Readiness: 200 only while PostgreSQL, Redis and RabbitMQ are reachable',
      security: [],
      responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics',
      tags: ['Operations'],
      summary: 'Prometheus metrics',
      security: [],
      responses: {
        '200': { description: 'Text exposition format', content: { 'text/plain': {} } },
      },
    },
  },
  '/api/v1/openapi.json': {
    get: {
      operationId: 'openapi',
      tags: ['Operations'],
      summary: 'This document',
      security: [{ bearerAuth: [] }],
      responses: {
        '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': {} } },
        '401': { description: ERROR_RESPONSE_DESCRIPTIONS[401], content: jsonContent(errorRef) },
      },
    },
  },
};

export function buildOpenApiDocument(routes: readonly Route[]): OpenApiDocument {
  const collector = new ComponentCollector();
  collector.toSchema(ErrorResponse, 'output');
  const paths: Record<string, Record<string, unknown>> = structuredClone(PROBE_PATHS);
  const operationIds = new Set<string>();
  for (const route of routes) {
    if (operationIds.has(route.operationId)) {
      throw new Error(`duplicate operationId ${route.operationId}`);
    }
    operationIds.add(route.operationId);
    const path = openApiPath(route.path);
    const item = (paths[path] ??= {});
    if (item[route.method]) throw new Error(`duplicate route ${route.method} ${route.path}`);
    item[route.method] = operationFor(route, collector);
  }
  const tags = [...new Set(['Operations', ...routes.map((r) => r.tag)])].map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'smpp-gateway admin API',
      version: API_VERSION,
      description:
        'Operators manage vendors, customers, routing, numbers, 10DLC campaigns and rates, and inspect messages. Every /api route needs `Authorization: Bearer <token>` (tokens are created with the `token` CLI); mutations need scope write. Errors are `{ "error": { "code", "message", "details"?, "requestId" } }`. Changes that affect running services are announced on the smpp.control exchange and take effect without a restart.',
    },
    tags,
    paths,
    components: {
      schemas: collector.schemas,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'sgw_… admin API token' },
      },
    },
  };
}
