import SwaggerParser from '@apidevtools/swagger-parser';
import { createApiToken, revokeApiToken } from '@smpp-gateway/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiPath } from '../src/openapi/openapi.document.js';
import { apiRoutes } from '../src/routes/api-routes.js';
import { sampleVendor, startHarness, type Harness } from './harness.js';

let h: Harness;
const FAILURE_LIMIT = 5;

beforeAll(async () => {
  h = await startHarness({
    ADMIN_AUTH_FAILURE_LIMIT: String(FAILURE_LIMIT),
    ADMIN_AUTH_BLOCK_MS: '60000',
    ADMIN_BODY_LIMIT_KB: '1',
    ADMIN_TOKEN_CACHE_TTL_MS: '60000',
  });
});

afterAll(async () => {
  await h?.close();
});

/** A well-formed token nobody issued. */
const FORGED = `sgw_${'A'.repeat(43)}`;

describe('probes and metrics need no token', () => {
  it('GET /health and /ready answer 200 with the dependency checks', async () => {
    const health = await h.request('GET', '/health', { token: null });
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok', shuttingDown: false });
    const ready = await h.request('GET', '/ready', { token: null });
    expect(ready.status).toBe(200);
    const names = ready.body.checks.map((c: { name: string }) => c.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'postgres',
        'redis:message-state',
        'redis:auth-limits',
        'amqp:admin-api-admin-test',
      ]),
    );
  });

  it('GET /metrics exposes request counts by route template (never raw ids)', async () => {
    await h.request('GET', '/api/v1/vendors/5d1f6a2e-1c1e-4b8a-9a57-0d3c9f6f1a11');
    const metrics = await h.request('GET', '/metrics', { token: null });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('admin_http_requests_total');
    expect(metrics.text).toMatch(/route="\/api\/v1\/vendors\/:id",status="404"/);
    expect(metrics.text).not.toContain('5d1f6a2e-1c1e-4b8a-9a57-0d3c9f6f1a11');
  });

  it('GET /docs is a self-contained page listing every route', async () => {
    const docs = await h.request('GET', '/docs', { token: null });
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toContain("default-src 'none'");
    for (const route of apiRoutes()) expect(docs.text).toContain(openApiPath(route.path));
    expect(docs.text).not.toMatch(/<script|https?:\/\//);
  });
});

describe('the OpenAPI document', () => {
  it('needs a token, and what is served validates and lists every route', async () => {
    expect((await h.request('GET', '/api/v1/openapi.json', { token: null })).status).toBe(401);
    const res = await h.request('GET', '/api/v1/openapi.json', { token: h.readToken });
    expect(res.status).toBe(200);
    await SwaggerParser.validate(structuredClone(res.body));
    for (const route of apiRoutes()) {
      expect(
        res.body.paths[openApiPath(route.path)]?.[route.method],
        `${route.method} ${route.path}`,
      ).toBeDefined();
    }
  });
});

describe('authentication and authorisation', () => {
  it('401 without a token, with a Bearer challenge and the JSON error shape', async () => {
    const res = await h.request('GET', '/api/v1/vendors', { token: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="smpp-gateway-admin"');
    expect(res.body).toEqual({
      error: {
        code: 'unauthorized',
        message: 'a bearer token is required',
        requestId: expect.any(String),
      },
    });
    expect(res.headers.get('x-request-id')).toBe(res.body.error.requestId);
  });

  it('401 for a forged, a malformed, a non-bearer and a revoked token', async () => {
    const { token: revoked, apiToken } = await createApiToken(h.db, {
      name: 'old',
      scope: 'write',
    });
    await revokeApiToken(h.db, apiToken.id);
    const ip = { 'x-forwarded-for': '198.51.100.1' };
    for (const authorization of [
      `Bearer ${FORGED}`,
      'Bearer not-a-token',
      `Basic ${Buffer.from('admin:admin').toString('base64')}`,
      `Bearer ${revoked}`,
    ]) {
      const res = await h.request('GET', '/api/v1/vendors', { headers: { ...ip, authorization } });
      expect(res.status, authorization).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
  });

  it('403 when a read token tries a change; nothing is changed', async () => {
    const res = await h.request('POST', '/api/v1/vendors', {
      token: h.readToken,
      body: sampleVendor(),
    });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({
      code: 'forbidden',
      message: "this token has scope 'read'; 'write' is required",
    });
    expect((await h.request('GET', '/api/v1/vendors', { token: h.readToken })).body.total).toBe(0);
  });

  it('a read token reads; a write token reads too', async () => {
    expect((await h.request('GET', '/api/v1/customers', { token: h.readToken })).status).toBe(200);
    expect((await h.request('GET', '/api/v1/customers', { token: h.writeToken })).status).toBe(200);
  });

  it('caches verified tokens: last_used_at is stamped once per cache period, not per request', async () => {
    const { token, apiToken } = await createApiToken(h.db, { name: 'cache-probe', scope: 'read' });
    expect((await h.request('GET', '/api/v1/rates', { token })).status).toBe(200);
    const first = await lastUsed(apiToken.id);
    expect(first).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await h.request('GET', '/api/v1/rates', { token })).status).toBe(200);
    expect(await lastUsed(apiToken.id)).toEqual(first);
  });

  it('blocks an address after repeated failures (429 + Retry-After, even with a good token), other addresses unaffected', async () => {
    const attacker = { 'x-forwarded-for': '203.0.113.9' };
    for (let i = 0; i < FAILURE_LIMIT; i += 1) {
      const res = await h.request('GET', '/api/v1/vendors', {
        headers: { ...attacker, authorization: `Bearer ${FORGED}` },
      });
      expect(res.status).toBe(401);
    }
    const blocked = await h.request('GET', '/api/v1/vendors', { headers: attacker });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('too_many_requests');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(50);
    expect(Number(blocked.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    const bystander = await h.request('GET', '/api/v1/vendors', {
      headers: { 'x-forwarded-for': '203.0.113.10' },
    });
    expect(bystander.status).toBe(200);
    // The block lives in Redis (DB 1), shared by every pod.
    const metrics = await h.request('GET', '/metrics', { token: null });
    expect(metrics.text).toMatch(
      /admin_auth_failures_total\{reason="blocked",service="admin-api"\} [1-9]/,
    );
  });

  it('requests without any token are not counted as guesses', async () => {
    const client = { 'x-forwarded-for': '203.0.113.20' };
    for (let i = 0; i < FAILURE_LIMIT * 2; i += 1) {
      expect(
        (await h.request('GET', '/api/v1/vendors', { token: null, headers: client })).status,
      ).toBe(401);
    }
    expect((await h.request('GET', '/api/v1/vendors', { headers: client })).status).toBe(200);
  });
});

describe('request errors share one shape and disclose nothing', () => {
  it('404 for an unknown route, 405 with Allow for a known path', async () => {
    const unknown = await h.request('GET', '/api/v1/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    const wrongMethod = await h.request('PUT', '/api/v1/vendors');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
    expect(wrongMethod.body.error.code).toBe('method_not_allowed');
  });

  it('400 invalid_json, 415 for a non-JSON body, 413 over the size limit, 400 for a missing body', async () => {
    const broken = await h.request('POST', '/api/v1/vendors', {
      rawBody: '{"instanceName": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_json');
    expect(broken.text).not.toMatch(/at .*\.js|SyntaxError|node_modules/);

    const form = await h.request('POST', '/api/v1/vendors', {
      rawBody: 'instanceName=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe('unsupported_media_type');

    const large = await h.request('POST', '/api/v1/vendors', {
      body: sampleVendor({ displayName: 'x'.repeat(4096) }),
    });
    expect(large.status).toBe(413);
    expect(large.body.error.code).toBe('payload_too_large');

    const empty = await h.request('POST', '/api/v1/vendors');
    expect(empty.status).toBe(400);
    expect(empty.body.error.details[0]).toMatchObject({ location: 'body', path: '' });
  });

  it('security headers on every response; no framework fingerprint', async () => {
    const res = await h.request('GET', '/api/v1/vendors');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('echoes a plain incoming request id, replaces anything else', async () => {
    const plain = await h.request('GET', '/api/v1/nothing', {
      headers: { 'x-request-id': 'trace-123' },
    });
    expect(plain.body.error.requestId).toBe('trace-123');
    const hostile = await h.request('GET', '/api/v1/nothing', {
      headers: { 'x-request-id': 'a b\tc' },
    });
    expect(hostile.body.error.requestId).not.toBe('a b\tc');
  });
});

describe('control commands without listeners', () => {
  it('a command nobody is bound to hear still succeeds (pods read PostgreSQL when they start)', async () => {
    const res = await h.request('POST', '/api/v1/admin/reload-vendors');
    expect(res.status).toBe(202);
    const metrics = await h.request('GET', '/metrics', { token: null });
    expect(metrics.text).toMatch(
      /admin_control_commands_total\{type="reload-vendors",outcome="no_listeners",service="admin-api"\} 1/,
    );
  });

  it('no token or password ever reaches the log', () => {
    const text = h.logText();
    expect(text).not.toContain(h.writeToken);
    expect(text).not.toContain(h.readToken);
    expect(text).not.toContain(FORGED);
    const failures = h.logs.filter((l) => l.message === 'authentication failed');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toHaveProperty('client_ip');
  });
});

async function lastUsed(id: string): Promise<Date | null> {
  const row = await h.db
    .selectFrom('admin.api_tokens')
    .select('last_used_at')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return row.last_used_at;
}
