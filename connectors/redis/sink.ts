/**
 * Redis sink (ioredis): materializes a table into Redis. Each record sets the key its template
 * names: `string` mode SETs the value bytes, `hash` mode replaces the hash with the JSON object's
 * fields (DEL then HSET, so fields removed upstream vanish); a tombstone (null value) DELs the key.
 * Optional TTL (SET … PX/EX, PEXPIRE/EXPIRE for hashes).
 *
 * One batch = one MULTI/EXEC sent as one pipeline: readers see the batch at once, never a hash
 * between its DEL and its HSET, and a command refused while queued (ACL, syntax) aborts the whole
 * batch. Within a batch only the last record per key is written (a table keeps the latest value).
 * write() resolves when every reply is OK and rejects on any error, so the worker retries the
 * batch (every write is idempotent) and dead-letters it after its last retry. A record the sink cannot address (no key for "{key}", a field missing,
 * a tombstone under a "{value.…}" template) or a hash value that is not a JSON object goes to the
 * dead-letter topic by itself.
 */
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { ConnectorContext, Sink, SinkRecord } from '../../core/worker/contracts.js';
import { RedisRecordError, RedisSinkError } from './errors.js';
import { compileKeyTemplate, keyTemplateProblem, type KeyTemplate } from './key-template.js';

export const redisSinkConfig = z
  .object({
    url: z.string().min(1).default('redis://127.0.0.1:6379').describe('Redis to write to (redis://[user:password@]host:port[/db], rediss:// for TLS)'),
    mode: z.enum(['string', 'hash']).default('string').describe('string: SET key value; hash: the JSON object\'s fields as a hash (DEL + HSET)'),
    key: z
      .string()
      .min(1)
      .default('{key}')
      .superRefine((t, ctx) => {
        const problem = keyTemplateProblem(t);
        if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
      })
      .describe('key template: text with {key}, {topic}, {partition} and {value.<field>}, e.g. "user:{key}"'),
    ttlMs: z.number().int().min(1).optional().describe('expire each key this long after its last write (PX / PEXPIRE)'),
    ttlSeconds: z.number().int().min(1).optional().describe('the same in seconds (EX / EXPIRE); give one of ttlMs and ttlSeconds'),
    connectTimeoutMs: z.number().int().min(1).default(10_000).describe('time to connect at start'),
  })
  .refine((c) => c.ttlMs === undefined || c.ttlSeconds === undefined, { message: 'give either ttlMs or ttlSeconds, not both', path: ['ttlSeconds'] });

export type RedisSinkConfig = z.output<typeof redisSinkConfig>;

type Write = { del: true } | { value: Buffer } | { fields: Record<string, string> };

export class RedisSink implements Sink {
  private ctx!: ConnectorContext;
  private redis?: Redis;
  private readonly template: KeyTemplate;

  constructor(private readonly cfg: RedisSinkConfig) {
    this.template = compileKeyTemplate(cfg.key);
  }

  async start(ctx: ConnectorContext): Promise<void> {
    this.ctx = ctx;
    const redis = new Redis(this.cfg.url, { lazyConnect: true, connectTimeout: this.cfg.connectTimeoutMs, maxRetriesPerRequest: 2 });
    redis.on('error', (err: Error) => ctx.logger.warn('redis sink connection error', { connector: ctx.name, error: err.message }));
    try {
      await redis.connect();
      // ioredis only logs a failed SELECT of the URL's database; a wrong one must stop the start.
      if (redis.options.db) await redis.select(redis.options.db);
    } catch (err) {
      redis.disconnect();
      throw new RedisSinkError(`redis sink "${ctx.name}": cannot connect to ${redactUrl(this.cfg.url)}: ${(err as Error).message}`, { cause: err });
    }
    this.redis = redis;
  }

  async write(records: SinkRecord[]): Promise<void> {
    const writes = new Map<string, Write>();
    const rejected: Array<{ rec: SinkRecord; error: RedisRecordError }> = [];
    const hash = this.cfg.mode === 'hash';
    for (const rec of records) {
      try {
        let value: unknown;
        if (rec.value !== null && (hash || this.template.usesValue)) value = parseJson(rec);
        const key = this.template.render(rec, value);
        let w: Write;
        if (rec.value === null) w = { del: true };
        else if (hash) w = { fields: hashFields(rec, value) };
        else w = { value: rec.value };
        writes.delete(key); // the last write of a key goes last
        writes.set(key, w);
      } catch (err) {
        if (!(err instanceof RedisRecordError)) throw err;
        rejected.push({ rec, error: err });
      }
    }
    if (writes.size > 0) await this.apply(writes);
    for (const { rec, error } of rejected) await this.ctx.deadLetter(rec, error, 1);
  }

  private async apply(writes: Map<string, Write>): Promise<void> {
    const { ttlMs, ttlSeconds } = this.cfg;
    const m = this.redis!.multi();
    for (const [key, w] of writes) {
      if ('del' in w) m.del(key);
      else if ('value' in w) {
        if (ttlMs !== undefined) m.set(key, w.value, 'PX', ttlMs);
        else if (ttlSeconds !== undefined) m.set(key, w.value, 'EX', ttlSeconds);
        else m.set(key, w.value);
      } else {
        m.del(key);
        if (Object.keys(w.fields).length === 0) continue; // an empty object: no hash at all
        m.hset(key, w.fields);
        if (ttlMs !== undefined) m.pexpire(key, ttlMs);
        else if (ttlSeconds !== undefined) m.expire(key, ttlSeconds);
      }
    }
    let replies: Array<[Error | null, unknown]> | null;
    try {
      replies = await m.exec();
    } catch (err) {
      throw new RedisSinkError(`redis sink "${this.ctx.name}": the batch's transaction failed: ${(err as Error).message}`, { cause: err });
    }
    if (!replies) throw new RedisSinkError(`redis sink "${this.ctx.name}": the batch's transaction was aborted`);
    const failed = replies.filter(([e]) => e !== null);
    if (failed.length) {
      throw new RedisSinkError(`redis sink "${this.ctx.name}": ${failed.length} of ${replies.length} commands failed: ${failed[0]![0]!.message}`, { cause: failed[0]![0] });
    }
  }

  async stop(): Promise<void> {
    const r = this.redis;
    this.redis = undefined;
    if (!r) return;
    await r.quit().catch(() => r.disconnect());
  }
}

function parseJson(rec: SinkRecord): unknown {
  try {
    return JSON.parse(rec.value!.toString('utf8'));
  } catch (err) {
    throw new RedisRecordError(`record ${rec.topic}/${rec.partition}@${rec.offset} is not JSON: ${(err as Error).message}`);
  }
}

/** A JSON object's fields as hash fields: strings as they are, other values as JSON; null fields are left out. */
function hashFields(rec: SinkRecord, value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RedisRecordError(`record ${rec.topic}/${rec.partition}@${rec.offset}: hash mode needs a JSON object value`);
  }
  const out: Record<string, string> = {};
  for (const [f, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    out[f] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
