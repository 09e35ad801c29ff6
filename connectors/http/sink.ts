/**
 * HTTP sink: POSTs the records' values in batches (a JSON array, or NDJSON) to a URL with global
 * fetch (undici, keep-alive). A batch holds records of one topic-partition, in offset order, and
 * carries `Idempotency-Key: <topic>-<partition>-<offset of its first record>` (the same key when the
 * worker replays it after a crash, so a receiver can drop the repeat) and `Sluice-Offsets:
 * <first>-<last>`: a replayed batch can reach further than the first attempt under the same key,
 * so a receiver that must not lose records dedupes by offset (keeps the highest per
 * topic-partition). Batches of one topic-partition go one after another (`ordered`), partitions
 * concurrently, at most `concurrency` requests at once.
 *
 * A failed POST (network error, timeout, 408, 425, 429, 5xx) is retried with exponential backoff
 * and jitter, or after the server's Retry-After (seconds or an HTTP date) when it sent one. After
 * the last retry, or at once for any other status (a 400 stays a 400), each record of the batch
 * goes to the dead-letter topic. write() resolves when every batch was accepted or dead-lettered.
 */
import { z } from 'zod';
import type { ConnectorContext, Sink, SinkRecord } from '../../core/worker/contracts.js';
import { sleep } from '../../core/worker/error-policy.js';
import { HttpSinkError } from './errors.js';
import { parseRetryAfter } from './retry-after.js';

export const httpSinkConfig = z.object({
  url: z.string().url().describe('where the batches are sent'),
  method: z.enum(['POST', 'PUT']).default('POST').describe('HTTP method'),
  format: z.enum(['json', 'ndjson']).default('json').describe('json: a JSON array of the values; ndjson: one value per line'),
  headers: z.record(z.string()).default({}).describe('extra request headers'),
  token: z.string().min(1).optional().describe('sent as "Authorization: Bearer <token>"'),
  maxBatch: z.number().int().min(1).default(500).describe('records per request (records of one topic-partition)'),
  maxBatchBytes: z.number().int().min(1).default(1024 * 1024).describe('body bytes per request (a single larger record still goes alone)'),
  concurrency: z.number().int().min(1).default(4).describe('requests in flight at once, over all the sink\'s tasks'),
  ordered: z.boolean().default(true).describe('send the batches of one topic-partition one after another, so the receiver gets them in offset order; false sends them concurrently too'),
  timeoutMs: z.number().int().min(1).default(10_000).describe('time for one request, answer included'),
  retries: z.number().int().min(0).default(5).describe('attempts after the first failure (network error, timeout, 408, 425, 429, 5xx)'),
  backoffMs: z.number().int().min(0).default(200).describe('first retry delay; doubles each attempt, with jitter'),
  maxBackoffMs: z.number().int().min(0).default(30_000).describe('upper bound of a backoff delay'),
  maxRetryAfterMs: z.number().int().min(0).default(120_000).describe('upper bound of a wait asked by Retry-After'),
  tombstones: z.enum(['skip', 'null']).default('skip').describe('records with a null value: leave them out, or send null'),
});

export type HttpSinkConfig = z.output<typeof httpSinkConfig>;

interface Batch {
  records: SinkRecord[];
  body: string;
}

const RETRIABLE_STATUS = new Set([408, 425, 429]);

export class HttpSink implements Sink {
  private ctx!: ConnectorContext;
  private readonly limiter: Limiter;
  private readonly abort = new AbortController();
  private readonly headers: Record<string, string>;

  constructor(private readonly cfg: HttpSinkConfig) {
    this.limiter = new Limiter(cfg.concurrency);
    this.headers = {
      ...cfg.headers,
      'content-type': cfg.format === 'json' ? 'application/json' : 'application/x-ndjson',
      ...(cfg.token ? { authorization: `Bearer ${cfg.token}` } : {}),
    };
  }

  async start(ctx: ConnectorContext): Promise<void> {
    this.ctx = ctx;
  }

  async write(records: SinkRecord[]): Promise<void> {
    const perPartition = this.batches(records);
    if (!this.cfg.ordered) {
      await Promise.all(perPartition.flat().map((b) => this.deliver(b)));
      return;
    }
    await Promise.all(
      perPartition.map(async (batches) => {
        for (const b of batches) await this.deliver(b);
      }),
    );
  }

  /** Per topic-partition, its records (offset order kept) cut at maxBatch and maxBatchBytes. */
  private batches(records: SinkRecord[]): Batch[][] {
    const byTp = new Map<string, Array<{ rec: SinkRecord; text: string }>>();
    for (const rec of records) {
      const text = this.encode(rec);
      if (text === null) continue;
      const tp = `${rec.topic}\u0000${rec.partition}`;
      let l = byTp.get(tp);
      if (!l) byTp.set(tp, (l = []));
      l.push({ rec, text });
    }
    const all: Batch[][] = [];
    const json = this.cfg.format === 'json';
    for (const items of byTp.values()) {
      const out: Batch[] = [];
      all.push(out);
      let recs: SinkRecord[] = [];
      let texts: string[] = [];
      let bytes = 0;
      const flush = () => {
        if (recs.length === 0) return;
        out.push({ records: recs, body: json ? `[${texts.join(',')}]` : texts.join('\n') + '\n' });
        recs = [];
        texts = [];
        bytes = 0;
      };
      for (const { rec, text } of items) {
        const size = Buffer.byteLength(text) + 1;
        if (recs.length >= this.cfg.maxBatch || (recs.length > 0 && bytes + size > this.cfg.maxBatchBytes)) flush();
        recs.push(rec);
        texts.push(text);
        bytes += size;
      }
      flush();
    }
    return all;
  }

  /** A value as one line of JSON: JSON values as they are (compacted if on several lines), other bytes as a JSON string. */
  private encode(rec: SinkRecord): string | null {
    if (rec.value === null) return this.cfg.tombstones === 'null' ? 'null' : null;
    const text = rec.value.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return JSON.stringify(text);
    }
    return text.includes('\n') ? JSON.stringify(parsed) : text;
  }

  private async deliver(batch: Batch): Promise<void> {
    const first = batch.records[0]!;
    const key = `${first.topic}-${first.partition}-${first.offset}`;
    const range = `${first.offset}-${batch.records[batch.records.length - 1]!.offset}`;
    const cfg = this.cfg;
    for (let attempt = 1; ; attempt++) {
      const error = await this.limiter.run(() => this.post(batch.body, key, range));
      if (!error) return;
      if (!error.retriable || attempt > cfg.retries) {
        this.ctx.logger.warn('http sink batch dead-lettered', { connector: this.ctx.name, idempotencyKey: key, records: batch.records.length, attempts: attempt, error: error.message });
        for (const r of batch.records) await this.ctx.deadLetter(r, error, attempt);
        return;
      }
      const backoff = Math.min(cfg.maxBackoffMs, cfg.backoffMs * 2 ** (attempt - 1));
      const delay = error.retryAfterMs !== undefined ? Math.min(error.retryAfterMs, cfg.maxRetryAfterMs) : Math.round(backoff / 2 + (Math.random() * backoff) / 2);
      this.ctx.metrics.counter('sluice_http_sink_retries_total', 'retried requests of http sinks', { connector: this.ctx.name }).inc();
      await sleep(delay, this.abort.signal);
    }
  }

  /** One request; resolves undefined on a 2xx, or the error. */
  private async post(body: string, idempotencyKey: string, offsets: string): Promise<HttpSinkError | undefined> {
    const { url, method, timeoutMs } = this.cfg;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { ...this.headers, 'idempotency-key': idempotencyKey, 'sluice-offsets': offsets },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.abort.signal]),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
      return new HttpSinkError(`${method} ${url} failed: ${why}`, null, { retriable: true, cause: err });
    }
    let text = '';
    try {
      text = await res.text();
    } catch {
      // The status is what counts; a broken answer body after a 2xx is still a 2xx.
    }
    if (res.ok) return undefined;
    const snippet = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    return new HttpSinkError(`${method} ${url} answered ${res.status}${snippet ? `: ${snippet}` : ''}`, res.status, {
      retriable: RETRIABLE_STATUS.has(res.status) || res.status >= 500,
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
  }
}

/** At most `limit` calls of run() at once; the others wait in arrival order. */
class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
