// The simulator's HTTP control endpoint: what a test in another process, a
// docker-compose demo or an operator uses to inject MO, switch faults, read
// the PDU record and scrape metrics. Small and dependency-free on purpose.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CommandId, type CommandName } from '@smpp-gateway/smpp';
import type { FaultUpdate } from './fault.injector.js';
import type { MoMessage } from './mo.builder.js';
import type { PduRecord } from './pdu-record.ring.js';
import type { Simulator } from './smsc.simulator.js';

export interface ControlServer {
  readonly port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_PDU_LIMIT = 100;
const DEFAULT_MO_WAIT_MS = 5_000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Buffers become hex so a record survives JSON; everything else is already plain data. */
function toJson(value: unknown): unknown {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  }
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toJson(inner)]));
  }
  return value;
}

export function recordToJson(record: PduRecord): Record<string, unknown> {
  const { pdu, ...meta } = record;
  if (pdu === undefined) return meta;
  const { command: _command, sequenceNumber: _seq, commandStatus: _status, ...fields } = pdu;
  return { ...meta, ...(toJson(fields) as Record<string, unknown>) };
}

function readBody(request: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        resolve({});
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, 'body is not valid JSON'));
      }
    });
    request.on('error', reject);
  });
}

function asObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function optionalNumber(body: Record<string, unknown>, key: string): number | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw new HttpError(400, `${key} must be a number`);
  return value;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, `${key} must be a string`);
  return value;
}

const FAULT_KEYS = new Set([
  'throttleEveryN',
  'failEveryN',
  'failStatus',
  'stopAnswering',
  'refuseBindsMs',
  'dropConnections',
]);

function parseFaultUpdate(body: Record<string, unknown>): FaultUpdate {
  const unknown = Object.keys(body).filter((key) => !FAULT_KEYS.has(key));
  if (unknown.length > 0) throw new HttpError(400, `unknown fault keys: ${unknown.join(', ')}`);
  for (const key of ['stopAnswering', 'dropConnections']) {
    if (body[key] !== undefined && typeof body[key] !== 'boolean')
      throw new HttpError(400, `${key} must be a boolean`);
  }
  return body;
}

function parseMo(body: Record<string, unknown>): MoMessage & { waitMs: number } {
  const source = optionalString(body, 'source');
  const destination = optionalString(body, 'destination');
  if (source === undefined || destination === undefined)
    throw new HttpError(400, 'source and destination are required');
  const text = optionalString(body, 'text');
  const hex = optionalString(body, 'hex');
  if (hex !== undefined && !/^(?:[0-9a-f]{2})*$/iu.test(hex))
    throw new HttpError(400, 'hex must be an even number of hex digits');
  const systemId = optionalString(body, 'systemId');
  const dataCoding = optionalNumber(body, 'dataCoding');
  const esmClass = optionalNumber(body, 'esmClass');
  const waitMs = optionalNumber(body, 'waitMs') ?? DEFAULT_MO_WAIT_MS;
  if (!Number.isInteger(waitMs) || waitMs < 0 || waitMs > 600_000)
    throw new HttpError(400, 'waitMs must be an integer 0-600000');
  return {
    source,
    destination,
    waitMs,
    ...(systemId !== undefined ? { systemId } : {}),
    ...(text !== undefined ? { text } : {}),
    ...(hex !== undefined ? { bytes: Buffer.from(hex, 'hex') } : {}),
    ...(dataCoding !== undefined ? { dataCoding } : {}),
    ...(esmClass !== undefined ? { esmClass } : {}),
  };
}

function parsePduQuery(url: URL): {
  command?: CommandName;
  systemId?: string;
  limit: number;
  sinceId?: number;
} {
  const command = url.searchParams.get('command') ?? undefined;
  if (command !== undefined && !(command in CommandId))
    throw new HttpError(400, `unknown command ${JSON.stringify(command)}`);
  const integer = (name: string): number | undefined => {
    const raw = url.searchParams.get(name);
    if (raw === null) return undefined;
    if (!/^\d+$/u.test(raw)) throw new HttpError(400, `${name} must be a non-negative integer`);
    return Number(raw);
  };
  const systemId = url.searchParams.get('systemId') ?? undefined;
  const sinceId = integer('sinceId');
  return {
    ...(command !== undefined ? { command: command as CommandName } : {}),
    ...(systemId !== undefined ? { systemId } : {}),
    ...(sinceId !== undefined ? { sinceId } : {}),
    limit: integer('limit') ?? DEFAULT_PDU_LIMIT,
  };
}

export async function startControlServer(
  simulator: Simulator,
  port: number,
  host: string,
): Promise<ControlServer> {
  const route = async (
    request: http.IncomingMessage,
    url: URL,
  ): Promise<{ status: number; body: unknown; type?: string }> => {
    const key = `${request.method ?? 'GET'} ${url.pathname}`;
    switch (key) {
      case 'GET /status':
        return {
          status: 200,
          body: {
            smpp: { address: simulator.address, port: simulator.port },
            stats: simulator.stats(),
            accounts: simulator.accounts(),
            faults: simulator.faults(),
            process: { rssBytes: process.memoryUsage.rss(), cpu: process.cpuUsage() },
          },
        };
      case 'GET /metrics':
        return {
          status: 200,
          body: await simulator.registry.metrics(),
          type: simulator.registry.contentType,
        };
      case 'GET /pdus': {
        const query = parsePduQuery(url);
        const records = simulator.records.query(query);
        return {
          status: 200,
          body: { total: simulator.records.total, records: records.map(recordToJson) },
        };
      }
      case 'GET /faults':
        return { status: 200, body: simulator.faults() };
      case 'POST /faults': {
        const update = parseFaultUpdate(asObject(await readBody(request)));
        try {
          return { status: 200, body: simulator.setFaults(update) };
        } catch (error) {
          throw new HttpError(400, error instanceof Error ? error.message : String(error));
        }
      }
      case 'DELETE /faults':
        return { status: 200, body: simulator.clearFaults() };
      case 'POST /mo': {
        const { waitMs, ...mo } = parseMo(asObject(await readBody(request)));
        let delivery;
        try {
          delivery = simulator.injectMo(mo);
        } catch (error) {
          throw new HttpError(400, error instanceof Error ? error.message : String(error));
        }
        // Report delivery when it happens within waitMs, else accept and let it finish in the background.
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), waitMs);
        });
        try {
          const result = await Promise.race([delivery, timedOut]);
          if (result === undefined) {
            delivery.catch(() => undefined);
            return { status: 202, body: { accepted: true, delivered: false } };
          }
          return { status: 200, body: { accepted: true, delivered: true, ...result } };
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          throw new HttpError(error instanceof RangeError ? 400 : 503, message);
        } finally {
          clearTimeout(timer);
        }
      }
      default:
        throw new HttpError(404, `no route ${key}`);
    }
  };

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    route(request, url).then(
      ({ status, body, type }) => {
        response.writeHead(status, { 'content-type': type ?? 'application/json' });
        response.end(typeof body === 'string' ? body : JSON.stringify(body));
      },
      (error: unknown) => {
        const status = error instanceof HttpError ? error.status : 500;
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ error: error instanceof Error ? error.message : String(error) }),
        );
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) =>
    process.emitWarning(`control server: ${error.message}`, 'SmscSimulatorWarning'),
  );
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
