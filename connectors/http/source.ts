/**
 * HTTP source: a webhook server (node:http) taking POSTs of JSON (an object, or an array of
 * records) and NDJSON. A request is answered 200 only once its records are durable in the log:
 * poll() hands whole requests to the worker, and the answer goes out when the worker calls
 * commit() with an offset covering the request. Source partition "http"; source offset = the
 * request's sequence number, which keeps increasing across restarts (it resumes from the
 * committed one).
 *
 * Answers: 200 {"accepted": n} once durable; 400 malformed body (naming the line), JSON nested
 * too deeply, or bad topic name; 401 without the bearer token; 403 an internal topic
 * (__consumer_offsets, an app's changelogs, repartition or source-offsets topics: only Sluice
 * writes those); 404 unknown path or topic; 405 not a POST; 413 body over the limit (the rest is
 * not read); 415 unknown Content-Type; 429 + Retry-After when maxPending records wait for the
 * log, or after too many wrong tokens from one address; 503 + Retry-After when stopping, when
 * maxConcurrentBodies bodies are being received, or when the records were not durable within
 * ackTimeoutMs (they may still be written: the client's retry can then duplicate them).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ConnectorContext, Source, SourceOffset, SourceRecord } from '../../core/worker/contracts.js';
import { AppConfigError } from '../../core/worker/errors.js';
import { LogLimiter } from '../../core/worker/log-limiter.js';
import { isSystemTopic } from '../../core/log/internal-topics.js';
import { bodyFormat, parseBody, type BodyFormat } from './body.js';
import { MalformedBodyError } from './errors.js';

const TOPIC_PARAM = ':topic';
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
/** The one source partition of this source: requests are numbered in one sequence. */
export const HTTP_SOURCE_PARTITION = 'http';

export const httpSourceConfig = z.object({
  host: z.string().min(1).default('127.0.0.1').describe('address to listen on (0.0.0.0 or :: for every interface)'),
  port: z.number().int().min(0).max(65535).default(8080).describe('port to listen on; 0 picks a free one (logged as "http source listening")'),
  path: z
    .string()
    .default('/topics/:topic')
    .refine((p) => p.startsWith('/'), 'must start with "/"')
    .refine((p) => !p.includes(':') || (p.split(TOPIC_PARAM).length === 2 && /(^|\/):topic(\/|$)/.test(p)), 'the only parameter is one whole ":topic" segment')
    .describe('URL path taking POSTs; a ":topic" segment takes the topic from the URL, a fixed path writes to the source\'s topic'),
  topics: z.array(z.string().regex(TOPIC_NAME)).optional().describe('with ":topic": the only topics that may be posted to (created at start if missing); default any existing topic'),
  createTopics: z.boolean().default(false).describe('with ":topic": create a topic that does not exist instead of answering 404'),
  partitions: z.number().int().min(1).default(1).describe('partitions of the topics this source creates'),
  bodyLimitBytes: z.number().int().min(1).default(1024 * 1024).describe('largest request body; a larger one gets 413 and the rest of it is not read'),
  token: z.string().min(1).optional().describe('if set, requests must carry "Authorization: Bearer <token>" (401 otherwise)'),
  keyField: z.string().min(1).optional().describe('top-level JSON field whose value becomes the record key (strings as they are, other values as JSON)'),
  keyHeader: z
    .string()
    .min(1)
    .transform((h) => h.toLowerCase())
    .optional()
    .describe('request header whose value becomes the key of every record of the request (keyField wins where present)'),
  maxPending: z.number().int().min(1).default(100_000).describe('records received but not yet durable; a request that would go past it gets 429 with Retry-After'),
  retryAfterSeconds: z.number().int().min(1).default(1).describe('Retry-After sent with 429 and 503'),
  ackTimeoutMs: z.number().int().min(100).default(30_000).describe('a request whose records are not durable within this time gets 503'),
  maxRecordsPerPoll: z.number().int().min(1).default(10_000).describe('records handed to the worker per batch (whole requests, at least one)'),
  maxConcurrentBodies: z.number().int().min(1).default(64).describe('request bodies received at once; another request gets 503 with Retry-After (bounds the memory of slow uploads)'),
  maxTokenFailures: z
    .number()
    .int()
    .min(1)
    .default(10)
    .describe('wrong or missing bearer tokens from one client address per minute; past it the address gets 429 with Retry-After (guessing slows down); failures are logged at most once per 10 s'),
});

/** How long a topic's internal flag is trusted before it is looked up again (an app starting later may claim it). */
const TOPIC_INFO_TTL_MS = 5000;
const TOKEN_WINDOW_MS = 60_000;
/** Addresses whose token failures are remembered (oldest forgotten first). */
const TOKEN_TRACKED = 10_000;

export type HttpSourceConfig = z.output<typeof httpSourceConfig>;

interface Pending {
  seq: number;
  records: SourceRecord[];
  res: http.ServerResponse;
  arrived: number;
  /** Answered (timeout, client gone) before it was durable. */
  answered: boolean;
}

export class HttpSource implements Source {
  private ctx!: ConnectorContext;
  private server?: http.Server;
  private readonly match: (pathname: string) => { topic?: string } | null;
  /** Requests waiting for poll(), in arrival order. */
  private queue: Pending[] = [];
  /** Requests handed to the worker, waiting for commit(), in sequence order. */
  private inflight: Pending[] = [];
  /** Records in queue + inflight. */
  private pending = 0;
  private seq = 0;
  private closing = false;
  private wake?: () => void;
  private sweeper?: NodeJS.Timeout;
  /** Existing topics → whether internal, and when that was looked up. */
  private knownTopics = new Map<string, { internal: boolean; at: number }>();
  private topicsLoad?: Promise<void>;
  /** Bodies being received now (maxConcurrentBodies). */
  private receiving = 0;
  /** Client address → bearer-token failures in the current window. */
  private tokenFailures = new Map<string, { count: number; since: number }>();
  private tokenLog?: LogLimiter;
  private readonly statusCounters = new Map<number, { inc(by?: number): void }>();

  constructor(private readonly cfg: HttpSourceConfig) {
    this.match = compilePath(cfg.path);
  }

  /** Where the server listens (after start; the real port when `port` was 0). */
  address(): { host: string; port: number } {
    const a = this.server?.address() as AddressInfo | null | undefined;
    if (!a) throw new AppConfigError('http source is not listening');
    return { host: a.address, port: a.port };
  }

  async start(ctx: ConnectorContext): Promise<void> {
    this.ctx = ctx;
    this.tokenLog = new LogLimiter(ctx.logger);
    const last = (await ctx.committedOffsets()).get(HTTP_SOURCE_PARTITION);
    this.seq = typeof last === 'number' ? last : 0;
    if (this.cfg.topics?.length && this.cfg.path.includes(TOPIC_PARAM)) {
      const admin = ctx.client.admin();
      for (const t of this.cfg.topics) await admin.createTopic(t, { partitions: this.cfg.partitions });
    }
    ctx.signal.addEventListener('abort', () => {
      this.closing = true;
      this.wake?.();
    });
    const server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new AppConfigError(`http source "${ctx.name}": cannot listen on ${this.cfg.host}:${this.cfg.port}: ${err.code ?? err.message}`)),
      );
      server.listen(this.cfg.port, this.cfg.host, () => resolve());
    });
    this.server = server;
    const interval = Math.min(1000, Math.max(50, this.cfg.ackTimeoutMs / 4));
    this.sweeper = setInterval(() => this.expire(), interval);
    this.sweeper.unref();
    const { host, port } = this.address();
    ctx.logger.info('http source listening', { connector: ctx.name, host, port, path: this.cfg.path });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.route(req, res).catch((err) => {
      this.ctx.logger.error('http source request failed', { connector: this.ctx.name, error: String(err) });
      this.reply(res, 500, { error: 'internal error' });
    });
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const cfg = this.cfg;
    if (this.closing) return this.reply(res, 503, { error: 'stopping' }, this.retryAfter());
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const matched = this.match(q < 0 ? url : url.slice(0, q));
    if (!matched) return this.reply(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return this.reply(res, 405, { error: 'use POST' }, { allow: 'POST' });
    if (cfg.token !== undefined) {
      const address = req.socket.remoteAddress ?? '';
      if (this.tooManyTokenFailures(address)) return this.reply(res, 429, { error: 'too many wrong bearer tokens from this address' }, { ...this.retryAfter(), connection: 'close' });
      if (!bearerMatches(req.headers.authorization, cfg.token)) {
        this.tokenFailed(address, req.headers.authorization === undefined);
        return this.reply(res, 401, { error: 'missing or wrong bearer token' }, { 'www-authenticate': 'Bearer' });
      }
    }
    const topic = matched.topic;
    if (topic !== undefined) {
      if (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..') return this.reply(res, 400, { error: `"${topic}" is not a valid topic name` });
      if (cfg.topics && !cfg.topics.includes(topic)) return this.reply(res, 404, { error: `topic "${topic}" is not accepted here` });
      const known = await this.ensureTopic(topic);
      if (known === 'missing') return this.reply(res, 404, { error: `topic "${topic}" does not exist` });
      if (known === 'internal') return this.reply(res, 403, { error: `topic "${topic}" is internal: only Sluice writes to it` });
    }
    const format = bodyFormat(req.headers['content-type']);
    if (!format) return this.reply(res, 415, { error: 'send application/json, application/x-ndjson or text/plain' });
    const declared = Number(req.headers['content-length']);
    if (declared > cfg.bodyLimitBytes) return this.tooLarge(req, res);
    if (this.pending >= cfg.maxPending) return this.reply(res, 429, { error: 'too many records waiting to be written' }, this.retryAfter());
    if (this.receiving >= cfg.maxConcurrentBodies) {
      req.pause();
      return this.reply(res, 503, { error: `${cfg.maxConcurrentBodies} request bodies are being received; retry` }, { ...this.retryAfter(), connection: 'close' });
    }
    this.receiving++;
    let body: Awaited<ReturnType<typeof readBody>>;
    try {
      body = await readBody(req, cfg.bodyLimitBytes);
    } finally {
      this.receiving--;
    }
    if (body === 'too-large') return this.tooLarge(req, res);
    if (body === 'aborted') return;
    this.accept(body, format, topic, req, res);
  }

  private tooManyTokenFailures(address: string): boolean {
    const f = this.tokenFailures.get(address);
    if (!f) return false;
    if (Date.now() - f.since > TOKEN_WINDOW_MS) {
      this.tokenFailures.delete(address);
      return false;
    }
    return f.count >= this.cfg.maxTokenFailures;
  }

  private tokenFailed(address: string, missing: boolean): void {
    const now = Date.now();
    let f = this.tokenFailures.get(address);
    if (!f || now - f.since > TOKEN_WINDOW_MS) {
      this.tokenFailures.delete(address);
      if (this.tokenFailures.size >= TOKEN_TRACKED) this.tokenFailures.delete(this.tokenFailures.keys().next().value!);
      this.tokenFailures.set(address, (f = { count: 0, since: now }));
    }
    f.count++;
    this.tokenLog?.warn(`http source "${this.ctx.name}": request with a ${missing ? 'missing' : 'wrong'} bearer token refused`, { connector: this.ctx.name, client: address, failuresFromClient: f.count });
  }

  private accept(body: Buffer, format: BodyFormat, topic: string | undefined, req: http.IncomingMessage, res: http.ServerResponse): void {
    let values: unknown[];
    let texts: string[];
    try {
      values = parseBody(body.toString('utf8'), format);
      texts = new Array<string>(values.length);
      for (let i = 0; i < values.length; i++) texts[i] = JSON.stringify(values[i]);
    } catch (err) {
      if (err instanceof MalformedBodyError) return this.reply(res, 400, { error: err.message, line: err.line, column: err.column });
      // V8 parses deeper than it can write back (about 5 000 levels): the stack runs out.
      if (err instanceof RangeError) return this.reply(res, 400, { error: 'JSON nested too deeply' });
      throw err;
    }
    if (values.length === 0) return this.reply(res, 200, { accepted: 0 });
    if (this.closing) return this.reply(res, 503, { error: 'stopping' }, this.retryAfter());
    if (this.pending > 0 && this.pending + values.length > this.cfg.maxPending) {
      return this.reply(res, 429, { error: 'too many records waiting to be written' }, this.retryAfter());
    }
    const seq = ++this.seq;
    const timestamp = Date.now();
    const keyField = this.cfg.keyField;
    const h = this.cfg.keyHeader === undefined ? undefined : req.headers[this.cfg.keyHeader];
    const headerKey = h === undefined ? null : Array.isArray(h) ? h.join(',') : h;
    const buffers = encodeAll(texts);
    const records = new Array<SourceRecord>(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      let key = headerKey;
      if (keyField !== undefined && v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const k = (v as Record<string, unknown>)[keyField];
        if (k !== undefined && k !== null) key = typeof k === 'string' ? k : JSON.stringify(k);
      }
      const r: SourceRecord = { key, value: buffers[i]!, timestamp, sourcePartition: HTTP_SOURCE_PARTITION, sourceOffset: seq };
      if (topic !== undefined) r.topic = topic;
      records[i] = r;
    }
    const entry: Pending = { seq, records, res, arrived: timestamp, answered: false };
    this.queue.push(entry);
    this.pending += records.length;
    res.once('close', () => {
      // The client went away before its answer: records not yet handed out are dropped (the
      // client will send them again); handed-out ones are written anyway.
      if (entry.answered || res.writableFinished) return;
      entry.answered = true;
      const i = this.queue.indexOf(entry);
      if (i >= 0) {
        this.queue.splice(i, 1);
        this.pending -= records.length;
      }
    });
    this.wake?.();
  }

  async poll(): Promise<SourceRecord[]> {
    if (this.queue.length === 0 && !this.closing) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => done(), 200);
        const done = () => {
          clearTimeout(t);
          this.wake = undefined;
          resolve();
        };
        this.wake = done;
      });
    }
    const out: SourceRecord[] = [];
    const max = this.cfg.maxRecordsPerPoll;
    let taken = 0;
    while (taken < this.queue.length) {
      const e = this.queue[taken]!;
      if (out.length > 0 && out.length + e.records.length > max) break;
      taken++;
      for (const r of e.records) out.push(r);
      this.inflight.push(e);
    }
    if (taken > 0) this.queue = taken === this.queue.length ? [] : this.queue.slice(taken);
    return out;
  }

  async commit(offsets: Map<string, SourceOffset>): Promise<void> {
    const upTo = offsets.get(HTTP_SOURCE_PARTITION);
    if (typeof upTo !== 'number') return;
    let done = 0;
    while (done < this.inflight.length && this.inflight[done]!.seq <= upTo) {
      const e = this.inflight[done++]!;
      this.pending -= e.records.length;
      if (!e.answered) {
        e.answered = true;
        this.reply(e.res, 200, { accepted: e.records.length });
      }
    }
    if (done > 0) this.inflight = this.inflight.slice(done);
  }

  async stop(): Promise<void> {
    this.closing = true;
    this.wake?.();
    if (this.sweeper) clearInterval(this.sweeper);
    for (const e of [...this.queue, ...this.inflight]) {
      if (e.answered) continue;
      e.answered = true;
      this.reply(e.res, 503, { error: 'stopping before the records were durable' }, this.retryAfter());
    }
    this.queue = [];
    this.inflight = [];
    this.pending = 0;
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 1000).unref();
    });
  }

  /** Answers 503 to requests not durable within ackTimeoutMs; unpolled ones are dropped. */
  private expire(): void {
    const limit = Date.now() - this.cfg.ackTimeoutMs;
    while (this.queue.length && this.queue[0]!.arrived < limit) {
      const e = this.queue.shift()!;
      this.pending -= e.records.length;
      if (e.answered) continue;
      e.answered = true;
      this.reply(e.res, 503, { error: `records not durable within ${this.cfg.ackTimeoutMs} ms; nothing was written` }, this.retryAfter());
    }
    for (const e of this.inflight) {
      if (e.arrived >= limit) break;
      if (e.answered) continue;
      e.answered = true;
      this.reply(e.res, 503, { error: `records not durable within ${this.cfg.ackTimeoutMs} ms; they may still be written` }, this.retryAfter());
    }
  }

  /**
   * Does the topic exist (creating it when allowed), and is it internal? Topic lists are cached;
   * whether a topic is internal is looked up again after a few seconds (an app may start and
   * claim it). Internal topics are never created or written here.
   */
  private async ensureTopic(topic: string): Promise<'ok' | 'missing' | 'internal'> {
    if (isSystemTopic(topic)) return 'internal';
    const admin = this.ctx.client.admin();
    let info = this.knownTopics.get(topic);
    if (!info) {
      this.topicsLoad ??= admin
        .listTopics()
        .then((ts) => {
          for (const t of ts) if (!this.knownTopics.has(t)) this.knownTopics.set(t, { internal: false, at: 0 });
        })
        .finally(() => (this.topicsLoad = undefined));
      await this.topicsLoad;
      info = this.knownTopics.get(topic);
      if (!info) {
        if (!this.cfg.createTopics) return 'missing';
        await admin.createTopic(topic, { partitions: this.cfg.partitions });
        info = { internal: false, at: 0 };
        this.knownTopics.set(topic, info);
      }
    }
    if (Date.now() - info.at > TOPIC_INFO_TTL_MS) {
      const d = await admin.describeTopic(topic).catch(() => null);
      if (!d) {
        this.knownTopics.delete(topic);
        return 'missing';
      }
      info.internal = d.internal;
      info.at = Date.now();
    }
    return info.internal ? 'internal' : 'ok';
  }

  private tooLarge(req: http.IncomingMessage, res: http.ServerResponse): void {
    // Stop reading: nothing more of the body is taken in, and the connection closes after the answer.
    req.pause();
    this.reply(res, 413, { error: `body larger than ${this.cfg.bodyLimitBytes} bytes` }, { connection: 'close' });
  }

  private retryAfter(): Record<string, string> {
    return { 'retry-after': String(this.cfg.retryAfterSeconds) };
  }

  private reply(res: http.ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
    let c = this.statusCounters.get(status);
    if (!c) {
      c = this.ctx.metrics.counter('sluice_http_source_requests_total', 'requests answered by http sources', { connector: this.ctx.name, status: String(status) });
      this.statusCounters.set(status, c);
    }
    c.inc();
    if (res.headersSent || res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }
}

/** `/topics/:topic` → a matcher returning the topic; a fixed path → a matcher returning {}. */
function compilePath(template: string): (pathname: string) => { topic?: string } | null {
  const trim = (p: string) => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p);
  const at = template.indexOf(TOPIC_PARAM);
  if (at < 0) {
    const fixed = trim(template);
    return (p) => (trim(p) === fixed ? {} : null);
  }
  const prefix = template.slice(0, at);
  const suffix = trim(template.slice(at + TOPIC_PARAM.length));
  return (raw) => {
    const p = trim(raw);
    if (!p.startsWith(prefix) || !p.endsWith(suffix) || p.length <= prefix.length + suffix.length) return null;
    const seg = p.slice(prefix.length, p.length - suffix.length);
    if (seg.includes('/')) return null;
    try {
      return { topic: decodeURIComponent(seg) };
    } catch {
      return { topic: seg };
    }
  };
}

/**
 * The UTF-8 bytes of each text. One encode of the joined texts, cut into views, when they are
 * all ASCII (character offsets are then byte offsets): one allocation per request instead of one
 * per record.
 */
function encodeAll(texts: string[]): Buffer[] {
  const joined = texts.join('');
  const all = Buffer.from(joined);
  if (all.length !== joined.length) return texts.map((t) => Buffer.from(t));
  const out = new Array<Buffer>(texts.length);
  let at = 0;
  for (let i = 0; i < texts.length; i++) {
    const end = at + texts[i]!.length;
    out[i] = all.subarray(at, end);
    at = end;
  }
  return out;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const got = Buffer.from(header);
  const want = Buffer.from(`Bearer ${token}`);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** The body, or 'too-large' as soon as it passes `limit` bytes (the rest is not read). */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        chunks.length = 0;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.once('error', () => resolve('aborted'));
    req.once('close', () => {
      if (!req.complete) resolve('aborted');
    });
  });
}
