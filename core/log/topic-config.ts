/**
 * Topic names and configs: Kafka's rules and key names, so the CLI, the broker's CreateTopics /
 * DescribeConfigs and the docs all speak the same language. Values arrive as strings from the CLI
 * and the wire, so the schema coerces them; anything it refuses becomes an InvalidConfigError
 * that names the key.
 */
import { z } from 'zod';
import { InvalidConfigError, InvalidTopicError } from '../errors.js';

const MAX_NAME = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Kafka's topic-name rule; names become directory names, so nothing else is accepted. */
export function validateTopicName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidTopicError('topic name must be a non-empty string');
  if (name.length > MAX_NAME) throw new InvalidTopicError(`topic name "${name.slice(0, 40)}…" is ${name.length} characters long; the limit is ${MAX_NAME}`);
  if (name === '.' || name === '..') throw new InvalidTopicError(`topic name "${name}" is not allowed`);
  if (!LEGAL.test(name)) throw new InvalidTopicError(`topic name "${name}" is illegal: only ASCII letters, digits, ".", "_" and "-" are allowed`);
  return name;
}

export const MAX_PARTITIONS = 10_000;

export function validatePartitionCount(n: unknown): number {
  const v = typeof n === 'string' && /^\d+$/.test(n) ? Number(n) : n;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_PARTITIONS) {
    throw new InvalidConfigError(`partitions must be an integer from 1 to ${MAX_PARTITIONS}, got ${JSON.stringify(n)}`);
  }
  return v;
}

const int = (min: number, max = 2 ** 31 - 1) => z.coerce.number().int().min(min).max(max);
const LONG_MAX = 9223372036854775807n;
/** A Java long kept as its decimal text (Long.MAX_VALUE, the default of several, is beyond 2^53). */
const long = (min: bigint) =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    const text = String(v).trim();
    if (!/^-?\d+$/.test(text)) return fail(ctx, 'must be a whole number');
    const n = BigInt(text);
    if (n < min || n > LONG_MAX) return fail(ctx, `must be between ${min} and ${LONG_MAX}`);
    return n.toString();
  });
const bool = () =>
  z.union([z.boolean(), z.string()]).transform((v, ctx) => {
    const t = String(v).trim().toLowerCase();
    return t === 'true' ? true : t === 'false' ? false : fail(ctx, 'must be true or false');
  });
/** A comma-separated list of values from `allowed` (Kafka's ValidList.in), any order. */
const cleanupPolicy = () =>
  z.string().transform((v, ctx) => {
    const parts = [...new Set(v.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean))].sort();
    if (parts.length === 0 || parts.some((x) => x !== 'compact' && x !== 'delete')) return fail(ctx, 'must be delete, compact or compact,delete');
    return parts.join(',') as 'delete' | 'compact' | 'compact,delete';
  });
/** Throttled-replica lists: "", "*", or partition:broker pairs (Kafka's ThrottledReplicaListValidator). */
const replicaList = () =>
  z.string().refine((v) => v.trim() === '' || v.trim() === '*' || v.split(',').every((x) => /^\s*\d+\s*:\s*\d+\s*$/.test(x)), 'must be empty, * or a list of partition:broker pairs');

function fail(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  return z.NEVER as never;
}

/**
 * Every topic config Kafka 3.9 has (its TopicConfig / LogConfig), with Kafka's defaults and
 * validation, except segment.bytes (256 MiB instead of 1 GiB, see below). ACTED_ON lists those
 * Sluice applies; the others are accepted, stored with the topic and described, so configs
 * written for Kafka work unchanged, but they change nothing here (DescribeConfigs says so).
 */
export const topicConfigSchema = z
  .object({
    'cleanup.policy': cleanupPolicy().default('delete').describe('delete old segments, compact to the latest value per key, or both'),
    'retention.ms': int(-1, Number.MAX_SAFE_INTEGER).default(604_800_000).describe('delete closed segments whose newest record is older than this; -1 keeps forever'),
    'retention.bytes': int(-1, Number.MAX_SAFE_INTEGER).default(-1).describe('per partition: delete the oldest closed segments beyond this size; -1 = no limit'),
    // Kafka's default is 1 GiB; a smaller segment lets retention and compaction act sooner on a
    // single machine, at the cost of more files.
    'segment.bytes': int(1024).default(256 * 1024 * 1024).describe('roll a new segment at this size'),
    'segment.ms': int(1, Number.MAX_SAFE_INTEGER).default(604_800_000).describe('roll a new segment after this much time'),
    'delete.retention.ms': int(0, Number.MAX_SAFE_INTEGER).default(86_400_000).describe('compacted topics: how long a tombstone is kept'),
    'compression.type': z
      .preprocess((v) => (v === 'uncompressed' ? 'none' : v), z.enum(['producer', 'none', 'gzip', 'snappy', 'lz4', 'zstd']))
      .default('producer')
      .describe('codec of the batches Sluice writes (its own producers and compaction); producer keeps what each producer chose; "uncompressed" is an alias of none. Batches from Kafka clients are stored as sent'),
    'compression.gzip.level': int(-1, 9).refine((v) => v !== 0, 'must be -1 or 1 to 9').default(-1).describe('gzip level of batches Sluice compresses; -1 = the codec default'),
    'compression.lz4.level': int(1, 17).default(9),
    'compression.zstd.level': int(-131072, 22).default(3).describe('zstd level of batches Sluice compresses'),
    'max.message.bytes': int(0).default(1_048_588).describe('largest record batch accepted'),
    'min.insync.replicas': int(1).default(1).describe('acks=all produces need this many in-sync replicas; one node has one, so more fails them with NOT_ENOUGH_REPLICAS'),
    'message.timestamp.type': z.enum(['CreateTime', 'LogAppendTime']).default('CreateTime').describe('CreateTime keeps the producer’s timestamps; LogAppendTime stamps batches with the broker’s time on append'),
    'message.timestamp.before.max.ms': long(0n).default(LONG_MAX.toString()).describe('refuse batches whose timestamp is more than this before the broker’s time'),
    'message.timestamp.after.max.ms': long(0n).default(LONG_MAX.toString()).describe('refuse batches whose timestamp is more than this after the broker’s time'),
    'message.timestamp.difference.max.ms': long(0n).default(LONG_MAX.toString()).describe('deprecated: both of the above at once'),
    'message.downconversion.enable': bool().default(true).describe('serve Fetch v0-v3 (old message formats) by converting batches'),
    'remote.storage.enable': bool()
      .refine((v) => v === false, 'tiered storage is not available on this broker')
      .default(false)
      .describe('tiered storage (KIP-405): not available, only false is accepted'),
    // Accepted and stored, not acted on:
    'segment.jitter.ms': long(0n).default('0'),
    'segment.index.bytes': int(4).default(10_485_760),
    'flush.messages': long(1n).default(LONG_MAX.toString()),
    'flush.ms': long(0n).default(LONG_MAX.toString()),
    'index.interval.bytes': int(0).default(4096),
    'file.delete.delay.ms': long(0n).default('60000'),
    'min.compaction.lag.ms': long(0n).default('0'),
    'max.compaction.lag.ms': long(1n).default(LONG_MAX.toString()),
    'min.cleanable.dirty.ratio': z.coerce.number().min(0).max(1).default(0.5),
    'unclean.leader.election.enable': bool().default(false),
    preallocate: bool().default(false),
    'message.format.version': z.string().regex(/^\d+\.\d+(\.\d+)?(-IV\d+)?$/, 'must be a Kafka version such as 3.0-IV1').default('3.0-IV1'),
    'local.retention.ms': long(-2n).default('-2'),
    'local.retention.bytes': long(-2n).default('-2'),
    'remote.log.copy.disable': bool().default(false),
    'remote.log.delete.on.disable': bool().default(false),
    'leader.replication.throttled.replicas': replicaList().default(''),
    'follower.replication.throttled.replicas': replicaList().default(''),
  })
  .strict();

export type TopicConfig = z.output<typeof topicConfigSchema>;
export type TopicConfigKey = keyof TopicConfig;

/** The topic configs Sluice applies; every other key of the schema is stored and described only. */
export const ACTED_ON: ReadonlySet<string> = new Set<TopicConfigKey>([
  'cleanup.policy',
  'retention.ms',
  'retention.bytes',
  'segment.bytes',
  'segment.ms',
  'delete.retention.ms',
  'compression.type',
  'compression.gzip.level',
  'compression.zstd.level',
  'max.message.bytes',
  'min.insync.replicas',
  'message.timestamp.type',
  'message.timestamp.before.max.ms',
  'message.timestamp.after.max.ms',
  'message.timestamp.difference.max.ms',
  'message.downconversion.enable',
  'remote.storage.enable',
]);

/** A config value as Kafka writes it in DescribeConfigs and topic listings. */
export function configValueText(key: string, value: unknown): string {
  if (key === 'compression.type' && value === 'none') return 'uncompressed';
  return String(value);
}

/** Parses a partial config (strings or numbers), filling defaults; refuses unknown keys and bad values naming the key. */
export function parseTopicConfig(input: object = {}, defaults: Partial<TopicConfig> = {}): TopicConfig {
  const merged: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(input)) if (v !== undefined) merged[k] = v;
  const res = topicConfigSchema.safeParse(merged);
  if (!res.success) {
    const issue = res.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      throw new InvalidConfigError(`unknown topic config ${issue.keys.map((k) => `"${k}"`).join(', ')}; known: ${Object.keys(topicConfigSchema.shape).join(', ')}`);
    }
    const key = String(issue.path[0]);
    throw new InvalidConfigError(`invalid value ${JSON.stringify(merged[key])} for topic config "${key}": ${issue.message}`);
  }
  return res.data as TopicConfig;
}

/** Parses `key=value` strings (CLI --config). */
export function parseConfigPairs(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new InvalidConfigError(`config "${p}" must look like key=value`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}
