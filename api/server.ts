/**
 * The management HTTP server: the REST API under /api (and Kafka Connect's paths /connectors and
 * /connector-plugins), its OpenAPI document at /api/openapi.json, the live stream at /api/live, and
 * — with `ui` — the console at /. `sluice broker`, `sluice run`, `sluice connect` (--http-port) and
 * `sluice ui` start it; an app may too (startManagementServer({ client: app.client, app })).
 */
import fs from 'node:fs';
import http from 'node:http';
import { z } from 'zod';
import type { LogClient } from '../core/client/types.js';
import type { ApiContext, ManagedApp } from './context.js';
import { HttpError, toHttpError, validationMessage } from './http-errors.js';
import { LiveSampler, liveRoute } from './live.js';
import { openApiDocument } from './openapi.js';
import type { Route, StreamRoute } from './route.js';
import { connectorRoutes } from './routes/connectors.js';
import { pluginRoutes } from './routes/connector-plugins.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { groupRoutes } from './routes/groups.js';
import { messageRoutes } from './routes/messages.js';
import { pipelineRoutes } from './routes/pipelines.js';
import { topicRoutes } from './routes/topics.js';
import { AccessPolicy, isLoopbackHost, newToken, type ApiUsers } from './security.js';
import { consoleDir, serveStatic } from './static-files.js';
import { infoRoute } from './routes/info.js';
import { topologyRoute } from './routes/topology.js';
import { storeRoutes } from './routes/stores.js';

export const managementOptionsSchema = z.object({
  port: z.number().int().min(0).max(65535).default(8080),
  host: z.string().default('127.0.0.1'),
  /** Required for writes always, and for every request when `host` is not loopback; a random one when not given. */
  token: z.string().min(16, 'a token must have at least 16 characters').optional(),
  /** Serve the console at / (the API is served either way). */
  ui: z.boolean().default(true),
  /** Largest request body; larger ones get 413. */
  maxBodyBytes: z.number().int().min(1024).default(1024 * 1024),
  /** How often the live stream samples. */
  liveIntervalMs: z.number().int().min(100).default(1000),
});

export type ManagementOptions = z.input<typeof managementOptionsSchema> & {
  client: LogClient;
  app?: ManagedApp;
  /** SASL users (the broker's) also accepted, as HTTP Basic credentials, wherever the token is. */
  users?: ApiUsers;
};

export interface ManagementServer {
  /** http://host:port/ */
  readonly url: string;
  /** The console's URL with the token in its fragment (never sent to the server by the browser). */
  readonly consoleUrl: string;
  readonly token: string;
  readonly port: number;
  close(): Promise<void>;
}

const VERSION = (JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url).pathname.replace(/dist\/package\.json$/, 'package.json'), 'utf8')) as { version: string }).version;

function compile(path: string): { re: RegExp; names: string[] } {
  const names: string[] = [];
  const re = new RegExp(`^${path.replace(/\{(\w+)\}/g, (_m, n: string) => (names.push(n), '([^/]+)'))}$`);
  return { re, names };
}

function queryObject(sp: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const k of new Set(sp.keys())) {
    const all = sp.getAll(k);
    out[k] = all.length > 1 ? all : all[0]!;
  }
  return out;
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, `the body is ${declared} bytes; the limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new HttpError(413, `the body is over the limit of ${limit} bytes`);
    chunks.push(c);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `body: not JSON (${(e as Error).message})`);
  }
}

function parse<T extends z.ZodTypeAny>(schema: T | undefined, value: unknown, where: string): z.output<T> {
  if (!schema) return undefined as z.output<T>;
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpError(400, validationMessage(where, r.error));
  return r.data;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status, { 'cache-control': 'no-store' }).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).end(JSON.stringify(body));
}

export function managementRoutes(): Route[] {
  return [infoRoute, ...topicRoutes, ...messageRoutes, ...groupRoutes, ...connectorRoutes, ...pluginRoutes, ...pipelineRoutes, topologyRoute, ...storeRoutes, ...deadLetterRoutes];
}

export async function startManagementServer(options: ManagementOptions): Promise<ManagementServer> {
  const { client, app, users, ...rest } = options;
  const opts = managementOptionsSchema.parse(rest);
  const ctx: ApiContext = { client, app };
  const loopback = isLoopbackHost(opts.host);
  const token = opts.token ?? newToken();
  const policy = new AccessPolicy(token, loopback, users);
  const sampler = new LiveSampler(ctx, opts.liveIntervalMs);
  const routes = managementRoutes();
  const streams: StreamRoute[] = [liveRoute(sampler)];
  const compiled = routes.map((r) => ({ r, ...compile(r.path) }));
  const document = openApiDocument(routes, streams, VERSION, users !== undefined);
  const ui = opts.ui ? consoleDir() : undefined;
  const open = new Set<AbortController>();

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, abort: AbortController): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = (req.method ?? 'GET').toUpperCase();
    const write = method !== 'GET' && method !== 'HEAD';
    policy.checkOrigin(req, write);
    if (method === 'GET' && opts.ui && serveStatic(ui, url.pathname, res)) return;
    if (method === 'GET' && url.pathname === '/api/openapi.json') return sendJson(res, 200, document);
    const stream = streams.find((s) => s.path === url.pathname);
    if (stream && method === 'GET') {
      policy.checkToken(req, false);
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write('retry: 2000\n\n');
      const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
      abort.signal.addEventListener('abort', () => clearInterval(ping), { once: true });
      stream.start((event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`), ctx, abort.signal);
      return;
    }
    let allowed: string[] = [];
    for (const c of compiled) {
      const m = c.re.exec(url.pathname);
      if (!m) continue;
      if (c.r.method !== method) {
        allowed.push(c.r.method);
        continue;
      }
      policy.checkToken(req, write);
      const rawParams = Object.fromEntries(c.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      const params = parse(c.r.params, rawParams, 'path');
      const query = parse(c.r.query, queryObject(url.searchParams), 'query');
      const body = c.r.body ? parse(c.r.body, await readBody(req, opts.maxBodyBytes), 'body') : undefined;
      const result = await c.r.handler({ params, query, body, signal: abort.signal }, ctx);
      return sendJson(res, c.r.status ?? 200, result);
    }
    allowed = [...new Set(allowed)];
    if (allowed.length) {
      res.setHeader('allow', allowed.join(', '));
      throw new HttpError(405, `${method} is not allowed on ${url.pathname}; use ${allowed.join(' or ')}`);
    }
    throw new HttpError(404, `no endpoint ${method} ${url.pathname} (the API is described at /api/openapi.json)`);
  };

  const server = http.createServer((req, res) => {
    const abort = new AbortController();
    open.add(abort);
    res.on('close', () => {
      abort.abort();
      open.delete(abort);
    });
    handle(req, res, abort).catch((err: unknown) => {
      const e = toHttpError(err);
      if (res.headersSent) return void res.end();
      // A refused request's body is not read: close the connection rather than drain it.
      if (!req.complete) res.setHeader('connection', 'close');
      sendJson(res, e.status, { error_code: e.status, message: e.message });
    });
  });
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as { address: string; port: number };
  const shown = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  const base = `http://${shown === '0.0.0.0' || shown === '[::]' ? '127.0.0.1' : shown}:${addr.port}/`;
  return {
    url: base,
    consoleUrl: `${base}#token=${token}`,
    token,
    port: addr.port,
    async close() {
      sampler.close();
      for (const a of open) a.abort();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}
